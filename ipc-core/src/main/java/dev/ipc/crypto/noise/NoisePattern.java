package dev.ipc.crypto.noise;

import java.util.List;

/**
 * The Noise handshake patterns this implementation runs (Noise revision 34 §7, §9), as a
 * table of tokens: the pre-messages each side knows in advance and, per message, the
 * tokens its writer processes.
 *
 * <p>
 * {@link #NN} is the only pattern a Bitwarden peer speaks. The others are Java-only:
 * {@link #KK} between pinned peers, {@link #IK} and {@link #XX} for first contact,
 * {@link #NNpsk2} for pairing with a pre-shared key; the rest ({@code NK},
 * {@code KKpsk0}, {@code KKpsk2}, {@code IKpsk2}, {@code XXpsk3}) are here because the
 * public vectors cover them and the table costs nothing. Which patterns the provider
 * negotiates is the {@link PeerAuthenticator}'s decision, not this table's.
 */
public enum NoisePattern {

	/** {@code -> e; <- e, ee}: anonymous (what Bitwarden runs). */
	NN(false, false, List.of(List.of(Token.E), List.of(Token.E, Token.EE))),

	/** {@code <- s ... -> e, es; <- e, ee}: the initiator knows the responder. */
	NK(false, true, List.of(List.of(Token.E, Token.ES), List.of(Token.E, Token.EE))),

	/** {@code -> s, <- s ... -> e, es, ss; <- e, ee, se}: both sides pinned. */
	KK(true, true, List.of(List.of(Token.E, Token.ES, Token.SS), List.of(Token.E, Token.EE, Token.SE))),

	/**
	 * {@code <- s ... -> e, es, s, ss; <- e, ee, se}: the initiator knows the responder
	 * and sends its own key.
	 */
	IK(false, true, List.of(List.of(Token.E, Token.ES, Token.S, Token.SS), List.of(Token.E, Token.EE, Token.SE))),

	/** {@code -> e; <- e, ee, s, es; -> s, se}: both keys sent, three messages. */
	XX(false, false,
			List.of(List.of(Token.E), List.of(Token.E, Token.EE, Token.S, Token.ES), List.of(Token.S, Token.SE))),

	/** {@code -> e; <- e, ee, psk}: pairing with a pre-shared 32-byte key. */
	NNpsk2(false, false, List.of(List.of(Token.E), List.of(Token.E, Token.EE, Token.PSK))),

	/** {@code KK} with the PSK mixed before the first token. */
	KKpsk0(true, true, List.of(List.of(Token.PSK, Token.E, Token.ES, Token.SS), List.of(Token.E, Token.EE, Token.SE))),

	/** {@code KK} with the PSK mixed at the end of message 2. */
	KKpsk2(true, true, List.of(List.of(Token.E, Token.ES, Token.SS), List.of(Token.E, Token.EE, Token.SE, Token.PSK))),

	/** {@code IK} with the PSK mixed at the end of message 2 (WireGuard's pattern). */
	IKpsk2(false, true,
			List.of(List.of(Token.E, Token.ES, Token.S, Token.SS), List.of(Token.E, Token.EE, Token.SE, Token.PSK))),

	/** {@code XX} with the PSK mixed at the end of message 3. */
	XXpsk3(false, false, List.of(List.of(Token.E), List.of(Token.E, Token.EE, Token.S, Token.ES),
			List.of(Token.S, Token.SE, Token.PSK)));

	/** A Noise message-pattern token. */
	enum Token {

		/** A fresh ephemeral key, sent in clear. */
		E,
		/** The sender's static key, encrypted once a key exists. */
		S,
		/** {@code DH(e, re)}. */
		EE,
		/** {@code DH(initiator e, responder s)}. */
		ES,
		/** {@code DH(initiator s, responder e)}. */
		SE,
		/** {@code DH(s, rs)}. */
		SS,
		/** {@code MixKeyAndHash(psk)}. */
		PSK

	}

	private final boolean initiatorKeyPremessage;

	private final boolean responderKeyPremessage;

	private final List<List<Token>> messages;

	private final boolean psk;

	NoisePattern(boolean initiatorKeyPremessage, boolean responderKeyPremessage, List<List<Token>> messages) {
		this.initiatorKeyPremessage = initiatorKeyPremessage;
		this.responderKeyPremessage = responderKeyPremessage;
		this.messages = messages;
		this.psk = messages.stream().anyMatch(m -> m.contains(Token.PSK));
	}

	/** The pattern part of a protocol name, e.g. {@code KK} or {@code NNpsk2}. */
	public String patternName() {
		return name();
	}

	/** How many handshake messages the pattern has (2 or 3). */
	public int messageCount() {
		return messages.size();
	}

	/** Whether the initiator's static key is a pre-message (the responder knows it). */
	boolean initiatorKeyPremessage() {
		return initiatorKeyPremessage;
	}

	/** Whether the responder's static key is a pre-message (the initiator knows it). */
	boolean responderKeyPremessage() {
		return responderKeyPremessage;
	}

	/** Whether a pre-shared key is mixed in. */
	public boolean usesPsk() {
		return psk;
	}

	/**
	 * Whether the initiator needs a static key of its own (it is a pre-message or sent).
	 */
	public boolean initiatorHasStatic() {
		return initiatorKeyPremessage || hasToken(0, Token.S);
	}

	/** Whether the responder needs a static key of its own. */
	public boolean responderHasStatic() {
		return responderKeyPremessage || hasToken(1, Token.S);
	}

	/**
	 * Whether a completed handshake authenticates the peer's static key to each side:
	 * true for every pattern where both sides use a static key.
	 */
	public boolean authenticatesBoth() {
		return initiatorHasStatic() && responderHasStatic();
	}

	/** The tokens of message {@code index} (0-based). */
	List<Token> tokens(int index) {
		return messages.get(index);
	}

	private boolean hasToken(int parity, Token token) {
		for (int i = parity; i < messages.size(); i += 2) {
			if (messages.get(i).contains(token)) {
				return true;
			}
		}
		return false;
	}

	/**
	 * Looks a pattern up by its name in a protocol name.
	 * @throws IllegalArgumentException if the pattern is not one of these
	 */
	public static NoisePattern fromName(String name) {
		for (NoisePattern pattern : values()) {
			if (pattern.name().equals(name)) {
				return pattern;
			}
		}
		throw new IllegalArgumentException("unsupported Noise handshake pattern");
	}

}
