package dev.ipc.transport.socket;

import org.jspecify.annotations.Nullable;

import dev.ipc.codec.IpcJsonModule;
import dev.ipc.internal.cbor.CborException;
import dev.ipc.internal.cbor.CborReader;
import dev.ipc.internal.cbor.CborWriter;
import dev.ipc.model.Endpoint;
import dev.ipc.model.HostId;
import dev.ipc.model.Source;

/**
 * {@link Endpoint}s, {@link Source}s and {@link HostId}s in CBOR, in serde's externally
 * tagged form: the bytes {@link IpcJsonModule} writes through a tree (definite lengths,
 * the fields in its order), and its decoding rules: a unit variant as its bare name or
 * {@code {"Name": anything}}, a variant with fields as a one-entry map, fields in any
 * order, unknown fields ignored, a repeated field's last value, {@code null} or missing
 * for an absent optional field, numbers 32-bit, text fields at most
 * {@link IpcJsonModule#MAX_FIELD_CHARS} ({@link IpcJsonModule#MAX_ORIGIN_CHARS} for an
 * origin) characters. Every decoding failure is a {@link FrameCodecException}.
 */
final class EndpointCbor {

	private static final byte[] K_NAME = utf8("name");

	private static final byte[] K_USER = utf8("user");

	private static final byte[] K_ID = utf8("id");

	private static final byte[] K_TAB_ID = utf8("tab_id");

	private static final byte[] K_DOCUMENT_ID = utf8("document_id");

	private static final byte[] K_ORIGIN = utf8("origin");

	private static final String EXPECTED = "Web, BrowserForeground, BrowserBackground, DesktopRenderer, DesktopMain, Named";

	private EndpointCbor() {
	}

	// ------------------------------------------------------------------ writing

	static void write(Endpoint endpoint, CborWriter w) {
		if (endpoint instanceof Endpoint.Web web) {
			variant(w, "Web", 2).text("tab_id").integer(web.tabId()).text("document_id").text(web.documentId());
		}
		else if (endpoint instanceof Endpoint.BrowserForeground fg) {
			variant(w, "BrowserForeground", 1).text("id").integer(fg.id());
		}
		else if (endpoint instanceof Endpoint.BrowserBackground bg) {
			writeHostId(bg.id(), variant(w, "BrowserBackground", 1).text("id"));
		}
		else if (endpoint instanceof Endpoint.DesktopRenderer) {
			w.text("DesktopRenderer");
		}
		else if (endpoint instanceof Endpoint.DesktopMain) {
			w.text("DesktopMain");
		}
		else {
			variant(w, "Named", 1).text("name").text(((Endpoint.Named) endpoint).name());
		}
	}

	static void write(Source source, CborWriter w) {
		if (source instanceof Source.Web web) {
			variant(w, "Web", 3).text("tab_id")
				.integer(web.tabId())
				.text("document_id")
				.text(web.documentId())
				.text("origin")
				.text(web.origin());
		}
		else if (source instanceof Source.Named named) {
			String user = named.user();
			variant(w, "Named", (user != null) ? 2 : 1).text("name").text(named.name());
			if (user != null) {
				w.text("user").text(user);
			}
		}
		else {
			// the other variants carry nothing but their endpoint's fields
			write(source.toEndpoint(), w);
		}
	}

	private static CborWriter variant(CborWriter w, String name, int fields) {
		return w.head(CborWriter.MAP, 1).text(name).head(CborWriter.MAP, fields);
	}

	private static void writeHostId(HostId id, CborWriter w) {
		if (id instanceof HostId.Id numeric) {
			w.head(CborWriter.MAP, 1).text("Id").integer(numeric.id());
		}
		else {
			w.text("Own");
		}
	}

	// ------------------------------------------------------------------ reading

	/** A field given as {@code null} (told apart from a field not given at all). */
	private static final Object NULL = new Object();

	/** A field of a type no field here takes (kept for its error message). */
	private static final Object OTHER = new Object();

	/** Reads an endpoint at the reader's position. */
	static Endpoint readEndpoint(CborReader in) throws CborException, FrameCodecException {
		return readVariant(in, "Endpoint", EndpointCbor::endpoint);
	}

	/** Reads a source at the reader's position. */
	static Source readSource(CborReader in) throws CborException, FrameCodecException {
		return readVariant(in, "Source", EndpointCbor::source);
	}

	/** Reads one variant's content, the reader just past its name. */
	private interface VariantReader<T> {

		T read(CborReader in, String variant, boolean content) throws CborException;

	}

	private static <T> T readVariant(CborReader in, String type, VariantReader<T> reader)
			throws CborException, FrameCodecException {
		try {
			long rest = variantStart(in, type);
			String variant = in.readText();
			T value = reader.read(in, variant, rest >= 0 || rest < -1);
			variantEnd(in, rest, type);
			return value;
		}
		catch (IllegalArgumentException ex) {
			throw new FrameCodecException("malformed frame: " + ex.getMessage());
		}
	}

	private static Endpoint endpoint(CborReader in, String variant, boolean content) throws CborException {
		return switch (variant) {
			case "Web" -> {
				@Nullable Object[] f = content(in, content, -1, K_TAB_ID, K_DOCUMENT_ID);
				yield new Endpoint.Web(intField(f, 0, "tab_id"),
						textField(f, 1, "document_id", IpcJsonModule.MAX_FIELD_CHARS));
			}
			case "Named" -> new Endpoint.Named(
					textField(content(in, content, -1, K_NAME), 0, "name", IpcJsonModule.MAX_FIELD_CHARS));
			default -> common(in, variant, content, "Endpoint");
		};
	}

	private static Source source(CborReader in, String variant, boolean content) throws CborException {
		return switch (variant) {
			case "Web" -> {
				@Nullable Object[] f = content(in, content, -1, K_TAB_ID, K_DOCUMENT_ID, K_ORIGIN);
				yield new Source.Web(intField(f, 0, "tab_id"),
						textField(f, 1, "document_id", IpcJsonModule.MAX_FIELD_CHARS),
						textField(f, 2, "origin", IpcJsonModule.MAX_ORIGIN_CHARS));
			}
			case "Named" -> {
				@Nullable Object[] f = content(in, content, -1, K_NAME, K_USER);
				Object user = f[1];
				yield new Source.Named(textField(f, 0, "name", IpcJsonModule.MAX_FIELD_CHARS),
						(user == null || user == NULL) ? null
								: bounded(text(user, "user"), "user", IpcJsonModule.MAX_FIELD_CHARS));
			}
			default -> Source.of(common(in, variant, content, "Source"));
		};
	}

	/**
	 * The variants whose endpoint and source have the same fields: the browser pages and
	 * the desktop processes.
	 */
	private static Endpoint common(CborReader in, String variant, boolean content, String type) throws CborException {
		return switch (variant) {
			case "BrowserForeground" ->
				new Endpoint.BrowserForeground(intField(content(in, content, -1, K_ID), 0, "id"));
			case "BrowserBackground" -> new Endpoint.BrowserBackground(hostIdField(content(in, content, 0, K_ID)));
			case "DesktopRenderer" -> unit(in, content, Endpoint.DESKTOP_RENDERER);
			case "DesktopMain" -> unit(in, content, Endpoint.DESKTOP_MAIN);
			default -> throw new IllegalArgumentException(
					"Unknown " + type + " variant '" + shorten(variant) + "'; expected one of: " + EXPECTED);
		};
	}

	/**
	 * Reads up to a variant's name (left for the caller to read): returns -1 for a bare
	 * name, else the entries of its map after this one (0 for a one-entry map; below -1
	 * for an indefinite map, whose break is still to come).
	 */
	private static long variantStart(CborReader in, String type) throws CborException {
		int major = in.peekMajor();
		if (major == CborWriter.TEXT) {
			return -1;
		}
		if (major == CborWriter.MAP) {
			long entries = in.readContainer(CborWriter.MAP);
			if (in.hasNext(entries) && in.peekMajor() == CborWriter.TEXT) {
				return (entries < 0) ? -2 : entries - 1;
			}
		}
		throw notAVariant(type);
	}

	/** Checks that a variant's map had just the one entry. */
	private static void variantEnd(CborReader in, long rest, String type) throws CborException {
		if (rest != -1 && in.hasNext(rest)) {
			throw notAVariant(type);
		}
	}

	private static IllegalArgumentException notAVariant(String type) {
		return new IllegalArgumentException(type + " must be a variant name or a single-entry object");
	}

	private static <T> T unit(CborReader in, boolean content, T value) throws CborException {
		if (content) {
			in.skip();
		}
		return value;
	}

	/**
	 * The values of the named fields of a variant's content ({@code null} for a field not
	 * given, all {@code null} when there is no content or it is not a map); the field at
	 * {@code hostIdAt} is read as a {@link HostId}. The last of repeated fields wins.
	 */
	private static @Nullable Object[] content(CborReader in, boolean content, int hostIdAt, byte[]... names)
			throws CborException {
		@Nullable Object[] values = new Object[names.length];
		if (!content) {
			return values;
		}
		if (in.peekMajor() != CborWriter.MAP) {
			in.skip();
			return values;
		}
		for (long left = in.readContainer(CborWriter.MAP); in.hasNext(left); left--) {
			int index = in.readKey(names);
			if (index < 0) {
				in.skip();
			}
			else if (index == hostIdAt && !in.peekNull()) {
				values[index] = readHostId(in);
			}
			else {
				values[index] = value(in);
			}
		}
		return values;
	}

	/** A scalar: {@link #NULL}, a {@link Long}, a {@link String}, or {@link #OTHER}. */
	private static Object value(CborReader in) throws CborException {
		if (in.peekNull()) {
			in.readNull();
			return NULL;
		}
		int major = in.peekMajor();
		if (major == CborWriter.TEXT) {
			return in.readText();
		}
		if (major <= CborWriter.NEGATIVE) {
			try {
				return in.readInteger();
			}
			catch (CborException outOfRange) {
				return OTHER; // the head is consumed
			}
		}
		in.skip();
		return OTHER;
	}

	private static HostId readHostId(CborReader in) throws CborException {
		long rest = variantStart(in, "HostId");
		String variant = in.readText();
		boolean content = rest >= 0 || rest < -1;
		HostId id;
		if (variant.equals("Own")) {
			id = unit(in, content, HostId.OWN);
		}
		else if (variant.equals("Id")) {
			id = HostId.id(intValue(content ? value(in) : null, "Id"));
		}
		else {
			throw new IllegalArgumentException(
					"Unknown HostId variant '" + shorten(variant) + "'; expected one of: Own, Id");
		}
		variantEnd(in, rest, "HostId");
		return id;
	}

	private static HostId hostIdField(@Nullable Object[] fields) {
		Object value = fields[0];
		if (value == null || value == NULL) {
			throw new IllegalArgumentException("missing field `id`");
		}
		return (HostId) value;
	}

	private static int intField(@Nullable Object[] fields, int index, String name) {
		Object value = fields[index];
		if (value == null || value == NULL) {
			throw new IllegalArgumentException("missing field `" + name + "`");
		}
		return intValue(value, name);
	}

	private static int intValue(@Nullable Object value, String name) {
		if (!(value instanceof Long number) || number < Integer.MIN_VALUE || number > Integer.MAX_VALUE) {
			throw new IllegalArgumentException("field `" + name + "` must be a 32-bit integer");
		}
		return number.intValue();
	}

	private static String textField(@Nullable Object[] fields, int index, String name, int maxChars) {
		Object value = fields[index];
		if (value == null || value == NULL) {
			throw new IllegalArgumentException("missing field `" + name + "`");
		}
		return bounded(text(value, name), name, maxChars);
	}

	private static String text(Object value, String name) {
		if (!(value instanceof String text)) {
			throw new IllegalArgumentException("field `" + name + "` must be a string");
		}
		return text;
	}

	private static String bounded(String value, String name, int maxChars) {
		if (value.length() > maxChars) {
			throw new IllegalArgumentException("field `" + name + "` is " + value.length()
					+ " characters long; at most " + maxChars + " are accepted");
		}
		return value;
	}

	private static String shorten(String s) {
		return (s.length() > 40) ? s.substring(0, 40) + "..." : s;
	}

	private static byte[] utf8(String s) {
		return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
	}

}
