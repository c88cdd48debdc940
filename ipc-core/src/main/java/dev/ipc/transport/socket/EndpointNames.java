package dev.ipc.transport.socket;

import java.text.Normalizer;

import org.jspecify.annotations.Nullable;

import dev.ipc.internal.LogSafe;
import dev.ipc.model.Endpoint;

/**
 * The rule for names a host registers (an {@link Endpoint.Named} name, a
 * {@link Endpoint.Web} document id), so two names that look the same are the same name
 * and no name can carry hidden text into a log. A name is accepted if
 * <ol>
 * <li>it is in Unicode NFKC form (so {@code "ｖａｕｌｔ"} or a name with a decomposed accent
 * is refused rather than registered next to its look-alike);</li>
 * <li>it contains no control (Cc), format (Cf, e.g. U+200B zero-width space, U+202E bidi
 * override), private-use, unassigned or surrogate code point, no line or paragraph
 * separator, and no other invisible character (default-ignorable code points such as
 * variation selectors or U+3164 Hangul filler);</li>
 * <li>its only whitespace is the plain space U+0020, single, and neither first nor
 * last.</li>
 * </ol>
 * A refused name is answered {@code Rejected{InvalidEndpoint}}. The rule is what the host
 * enforces; a peer checks its own endpoint with it when its options are built.
 */
final class EndpointNames {

	private EndpointNames() {
	}

	/** Why the endpoint's name may not be registered, or {@code null} if it may. */
	static @Nullable String problem(Endpoint endpoint) {
		if (endpoint instanceof Endpoint.Named named) {
			return problem("name", named.name());
		}
		if (endpoint instanceof Endpoint.Web web) {
			return problem("document_id", web.documentId());
		}
		return null;
	}

	/**
	 * Why {@code value} breaks the rule, or {@code null} if it is fine; {@code field}
	 * names it in the answer.
	 */
	static @Nullable String problem(String field, String value) {
		if (!Normalizer.isNormalized(value, Normalizer.Form.NFKC)) {
			return field + " is not in Unicode NFKC form";
		}
		int previous = -1;
		for (int i = 0; i < value.length();) {
			int cp = value.codePointAt(i);
			if (cp == ' ') {
				if (i == 0 || i + 1 == value.length()) {
					return field + " starts or ends with a space";
				}
				if (previous == ' ') {
					return field + " contains two spaces in a row";
				}
			}
			else if (!visible(cp) || Character.isWhitespace(cp) || Character.isSpaceChar(cp)) {
				return field + " contains the invisible or control character U+" + String.format("%04X", cp)
						+ " at index " + i;
			}
			previous = cp;
			i += Character.charCount(cp);
		}
		return null;
	}

	private static boolean visible(int cp) {
		return LogSafe.visible(cp);
	}

}
