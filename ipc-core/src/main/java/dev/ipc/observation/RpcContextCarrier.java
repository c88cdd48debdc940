package dev.ipc.observation;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How a requester's context (a trace, for instance {@code traceparent} or {@code b3})
 * travels to the responder: as an optional field {@value #FIELD} of the RPC request
 * envelope, an object of string values, inside the encrypted payload.
 *
 * <pre>{"request":…,"request_id":"…","request_type":"…","response_topic":"…","ipc_context":{"traceparent":"00-…"}}</pre>
 *
 * <p>
 * The field is written only when there is something to carry, so a client without an
 * observer sends exactly the reference's envelope. Bitwarden peers decode envelopes with
 * serde-derived structs that skip unknown fields: they ignore it and never send it (the
 * interop suite proves both directions). Responses and pub/sub payloads never carry it.
 *
 * <p>
 * The peer controls what it sends here, so reading is bounded: at most
 * {@value #MAX_ENTRIES} entries, names of at most {@value #MAX_NAME_LENGTH} and values of
 * at most {@value #MAX_VALUE_LENGTH} characters; an entry that is not a string or breaks
 * a bound is skipped, entries past the limit are ignored. A context that does not parse
 * never fails the request: it is served without one.
 */
public final class RpcContextCarrier {

	/** The envelope field. */
	public static final String FIELD = "ipc_context";

	/** Most entries read from one envelope. */
	public static final int MAX_ENTRIES = 16;

	/** Longest entry name read. */
	public static final int MAX_NAME_LENGTH = 64;

	/** Longest entry value read. */
	public static final int MAX_VALUE_LENGTH = 512;

	private RpcContextCarrier() {
	}

	/** Whether an entry may be carried (and is kept when read). */
	public static boolean accepts(String name, String value) {
		return !name.isEmpty() && name.length() <= MAX_NAME_LENGTH && value.length() <= MAX_VALUE_LENGTH;
	}

	/**
	 * The entries of {@code context} that may be carried, at most {@link #MAX_ENTRIES},
	 * in order.
	 */
	public static Map<String, String> bounded(Map<String, String> context) {
		if (context.isEmpty()) {
			return Map.of();
		}
		Map<String, String> kept = new LinkedHashMap<>();
		for (Map.Entry<String, String> entry : context.entrySet()) {
			if (kept.size() == MAX_ENTRIES) {
				break;
			}
			if (entry.getKey() != null && entry.getValue() != null && accepts(entry.getKey(), entry.getValue())) {
				kept.put(entry.getKey(), entry.getValue());
			}
		}
		return kept;
	}

}
