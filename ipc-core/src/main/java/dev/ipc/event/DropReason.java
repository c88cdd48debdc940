package dev.ipc.event;

/**
 * Why an incoming message or frame was dropped instead of delivered. Each reason is
 * counted separately.
 */
public enum DropReason {

	/** The frame could not be decoded (garbage, truncated, wrong structure). */
	MALFORMED_FRAME,

	/** The frame exceeded a size limit. */
	OVERSIZED_FRAME,

	/**
	 * The frame's nonce was not greater than the last one accepted (replay or
	 * reordering).
	 */
	REPLAYED_FRAME,

	/**
	 * Authenticated decryption failed (forged, corrupted, or encrypted under another
	 * session's keys).
	 */
	DECRYPTION_FAILED,

	/**
	 * An encrypted frame arrived from a peer we hold no session for (answered with
	 * {@code CryptoInvalidated}).
	 */
	NO_SESSION,

	/**
	 * A protocol frame arrived that is not valid at this point (e.g. a stray handshake
	 * reply).
	 */
	UNEXPECTED_FRAME,

	/**
	 * A handshake reply that answers one of our own earlier handshake attempts, which has
	 * since timed out or been superseded by a retry (late, harmless).
	 */
	STALE_HANDSHAKE,

	/**
	 * A peer exceeded a per-peer rate limit (e.g. of {@code HandshakeStart}s); the frame
	 * was not processed.
	 */
	RATE_LIMITED,

	/** An RPC envelope could not be parsed at all (no request id could be recovered). */
	MALFORMED_RPC,

	/**
	 * An RPC response matched no pending request (late after a timeout or cancellation,
	 * or forged).
	 */
	UNMATCHED_RPC_RESPONSE,

	/** A handler refused the message because of its source. */
	SOURCE_REJECTED,

	/** A bounded transport queue overflowed and dropped its oldest entries. */
	TRANSPORT_OVERFLOW,

	/**
	 * A backend receiver's queue was full (its consumer, the client's receive loop, fell
	 * behind), so the oldest buffered message was discarded before the client saw it.
	 * Counted once per lost message.
	 */
	RECEIVE_QUEUE_OVERFLOW,

	/**
	 * An RPC request repeated the {@code request_id} of a recent request from the same
	 * source (a requester's transparent retry, or a replay), so its handler was not run a
	 * second time.
	 */
	DUPLICATE_RPC_REQUEST,

	/**
	 * A fragment of a large message was out of place (duplicated, after a missing one,
	 * interleaved with another message's) or malformed; its message is dropped, counted
	 * once.
	 */
	MALFORMED_FRAGMENT,

	/**
	 * A large message declared more bytes than the receiver's largest message size
	 * ({@code ipc.max-message-size}); dropped before anything was allocated.
	 */
	OVERSIZED_MESSAGE,

	/**
	 * A large message did not complete: its reassembly timed out, or the peer's session
	 * changed, the peer left, or another message began before its last fragment.
	 */
	INCOMPLETE_MESSAGE,

	/**
	 * A large message did not fit the receiver's reassembly budget (total bytes or count
	 * of messages in reassembly, all peers together).
	 */
	REASSEMBLY_OVERFLOW,

	/**
	 * A peer did not satisfy this side's authentication policy (no authenticated
	 * handshake where one is required, a pinned key that does not match, a wrong pairing
	 * key, a frame under a session of unknown origin); refused, never downgraded.
	 */
	AUTHENTICATION_FAILED

}
