package dev.ipc.crypto.noise;

import java.util.function.Predicate;

/**
 * The three Noise NN cipher suites the IPC protocol negotiates by name in
 * {@code HandshakeStart}.
 *
 * <p>
 * An initiator proposes its configured suite ({@link #DEFAULT} unless told otherwise); a
 * responder must accept any of them. Everything runs on the JDK except BLAKE2s, which
 * needs Bouncy Castle ({@code org.bouncycastle:bcprov-jdk18on}); without it
 * {@link #X25519_CHACHAPOLY_BLAKE2S} reports {@link #isAvailable()} {@code false} and
 * handshakes for it fail with a {@link NoiseProtocolException} naming the missing
 * dependency.
 */
public enum NoiseSuite {

	/**
	 * {@code Noise_NN_P256_AESGCM_SHA256}: the suite Bitwarden's clients initiate with,
	 * and the one to choose where FIPS-approved algorithms are required (NIST P-256,
	 * AES-GCM, SHA-256; X25519 is not in FIPS 140-2).
	 */
	P256_AESGCM_SHA256("Noise_NN_P256_AESGCM_SHA256", TransportCipher.AES256_GCM),

	/**
	 * {@code Noise_NN_25519_AESGCM_SHA256}, the {@link #DEFAULT}: the same cipher and
	 * hash as P-256's suite with a key agreement about five times cheaper.
	 */
	X25519_AESGCM_SHA256("Noise_NN_25519_AESGCM_SHA256", TransportCipher.AES256_GCM),

	/** {@code Noise_NN_25519_ChaChaPoly_BLAKE2s}; needs Bouncy Castle for BLAKE2s. */
	X25519_CHACHAPOLY_BLAKE2S("Noise_NN_25519_ChaChaPoly_BLAKE2s", TransportCipher.CHACHA20_POLY1305);

	/**
	 * The suite an initiator proposes unless configured otherwise: X25519 with AES-GCM
	 * and SHA-256. Every responder of the protocol (ours and Bitwarden's) accepts all
	 * three suites, and a handshake with X25519 costs about a fifth of one with P-256
	 * (both sides: 0.8 ms against 4.0 ms), which is most of a connect's CPU. Choose
	 * {@link #P256_AESGCM_SHA256} where FIPS-approved algorithms are required.
	 */
	public static final NoiseSuite DEFAULT = X25519_AESGCM_SHA256;

	static final String BLAKE2S_CLASS = "org.bouncycastle.crypto.digests.Blake2sDigest";

	private final String protocolName;

	private final TransportCipher transportCipher;

	NoiseSuite(String protocolName, TransportCipher transportCipher) {
		this.protocolName = protocolName;
		this.transportCipher = transportCipher;
	}

	/**
	 * The exact Noise protocol name, as carried in {@code HandshakeStart.ciphersuite}.
	 */
	public String protocolName() {
		return protocolName;
	}

	/**
	 * The Noise protocol name of {@code pattern} with this suite, e.g.
	 * {@code Noise_KK_25519_AESGCM_SHA256}; for {@link NoisePattern#NN} the same as
	 * {@link #protocolName()}.
	 */
	public String protocolName(NoisePattern pattern) {
		return "Noise_" + pattern.patternName() + "_" + functionNames();
	}

	/** The DH, cipher and hash part of the name, e.g. {@code 25519_AESGCM_SHA256}. */
	String functionNames() {
		return protocolName.substring("Noise_NN_".length());
	}

	/** The Diffie-Hellman function of this suite. */
	Dh dh() {
		return this == P256_AESGCM_SHA256 ? P256Dh.INSTANCE : X25519Dh.INSTANCE;
	}

	/** The cipher the transport state uses after this handshake. */
	public TransportCipher transportCipher() {
		return transportCipher;
	}

	/**
	 * Looks a suite up by its exact protocol name.
	 * @throws IllegalArgumentException if the name is not one of the three supported
	 * suites
	 */
	public static NoiseSuite fromProtocolName(String protocolName) {
		for (NoiseSuite suite : values()) {
			if (suite.protocolName.equals(protocolName)) {
				return suite;
			}
		}
		throw new IllegalArgumentException("unsupported Noise cipher suite (expected one of "
				+ "Noise_NN_P256_AESGCM_SHA256, Noise_NN_25519_AESGCM_SHA256, Noise_NN_25519_ChaChaPoly_BLAKE2s)");
	}

	/**
	 * Whether this suite can run here (false only for BLAKE2s without Bouncy Castle on
	 * the classpath).
	 */
	public boolean isAvailable() {
		return isAvailable(NoiseSuite::isClassPresent);
	}

	boolean isAvailable(Predicate<String> classPresent) {
		return this != X25519_CHACHAPOLY_BLAKE2S || classPresent.test(BLAKE2S_CLASS);
	}

	/**
	 * The primitives behind this suite.
	 * @throws NoiseProtocolException if the suite is not available, naming the missing
	 * dependency
	 */
	NoisePrimitives primitives(Predicate<String> classPresent) throws NoiseProtocolException {
		return primitives(NoisePattern.NN, classPresent);
	}

	/**
	 * The primitives behind this suite, named for {@code pattern}.
	 * @throws NoiseProtocolException if the suite is not available, naming the missing
	 * dependency
	 */
	NoisePrimitives primitives(NoisePattern pattern, Predicate<String> classPresent) throws NoiseProtocolException {
		String protocolName = protocolName(pattern);
		if (!isAvailable(classPresent)) {
			throw new NoiseProtocolException(protocolName + " needs BLAKE2s from Bouncy Castle: add "
					+ "org.bouncycastle:bcprov-jdk18on to the classpath");
		}
		return switch (this) {
			case P256_AESGCM_SHA256 ->
				new NoisePrimitives(protocolName, P256Dh.INSTANCE, JdkAead.AES_GCM, Sha256Hash.INSTANCE);
			case X25519_AESGCM_SHA256 ->
				new NoisePrimitives(protocolName, X25519Dh.INSTANCE, JdkAead.AES_GCM, Sha256Hash.INSTANCE);
			case X25519_CHACHAPOLY_BLAKE2S ->
				new NoisePrimitives(protocolName, X25519Dh.INSTANCE, JdkAead.CHACHA_POLY, Blake2sHash.INSTANCE);
		};
	}

	static boolean isClassPresent(String className) {
		try {
			Class.forName(className, false, NoiseSuite.class.getClassLoader());
			return true;
		}
		catch (ClassNotFoundException | LinkageError e) {
			return false;
		}
	}

}
