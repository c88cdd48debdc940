package dev.ipc.session;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.json.JsonMapper;

import dev.ipc.internal.LogSafe;
import dev.ipc.codec.IpcJsonModule;
import dev.ipc.model.Endpoint;
import dev.ipc.spi.ErrorKind;
import dev.ipc.spi.IpcException;
import dev.ipc.spi.SessionRepository;

/**
 * A durable {@link SessionRepository}: sessions survive a restart, encrypted at rest with
 * a key derived from a configured secret. Requires
 * {@code org.springframework.security:spring-security-crypto} on the class path (an
 * optional dependency of ipc-core).
 *
 * <h2>File format</h2> One file holds every session. It starts with a plain-text header
 * line, followed by the encrypted content:
 *
 * <pre>
 * IPC-SESSION-STORE 1 PBKDF2WithHmacSHA256 &lt;iterations&gt; &lt;salt: 64 hex&gt; &lt;file nonce: 64 hex&gt;\n
 * &lt;IV: 12 bytes&gt; &lt;AES-256-GCM ciphertext&gt; &lt;tag: 16 bytes&gt;
 * </pre>
 *
 * The plaintext is UTF-8 JSON,
 * {@code {"version":1,"sessions":[{"peer":<endpoint>,"session":"<base64>"},...]}}, where
 * {@code peer} is the endpoint in its wire form ({@link IpcJsonModule}, e.g.
 * {@code "DesktopMain"} or {@code {"Named":{"name":"worker"}}}) and {@code session} the
 * {@link SessionCodec} bytes in standard base64. Peers are inside the ciphertext too.
 *
 * <h2>Cryptography</h2> A 256-bit store key is derived once per instance with
 * PBKDF2-HMAC-SHA256 from the secret and the store's random salt (both parameters are in
 * the header, and are adopted only from a file that decrypts); every write encrypts under
 * a fresh file key (HKDF-Expand of the store key with the per-write file nonce) with
 * spring-security-crypto's {@code AesBytesEncryptor} in GCM mode. Details in
 * {@code docs/session-store.md}.
 *
 * <h2>Behaviour</h2>
 * <ul>
 * <li>{@link #get} and {@link #size} are served from an in-memory cache and never touch
 * the disk. The cache holds the encoded bytes, so every {@code get} returns a fresh copy
 * decoded from exactly what was persisted.</li>
 * <li>{@link #isDurable() Durable}: a crypto provider keeps it off its hot path (the
 * Noise provider writes a send-nonce reservation now and then with {@link #save}, and
 * receive progress with {@link #saveDeferred}).</li>
 * <li>{@link #saveDeferred} updates the cache at once and the file at most every
 * {@value #DEFERRED_WRITE_INTERVAL_MILLIS} ms (one rewrite for all deferred saves in
 * between, on a daemon thread {@code ipc-session-store-writer}); {@link #flush()} and
 * {@link #close()} write them now.</li>
 * <li>{@link #save} and {@link #remove} write through: the whole file is rewritten
 * atomically (temporary file in the same directory, {@code fsync}, atomic rename,
 * {@code fsync} of the directory) before the cache changes and the call returns. Writes
 * are serialised by one lock, so concurrent saves of different peers never lose each
 * other's updates; readers are not blocked by the disk I/O.</li>
 * <li>A write failure (disk full, permission denied, ...) is an {@link IpcException} of
 * kind {@link ErrorKind#FATAL}; the cache then keeps its previous state.</li>
 * <li>A file that is missing starts the store empty. A file that is unreadable,
 * truncated, corrupt, of an unknown format, or encrypted under another secret is reported
 * with one WARN line (file and cause, never secrets) and also starts the store empty; the
 * next write replaces it. Construction never fails because of the file's content.</li>
 * <li>Files are created owner-only ({@code rw-------}; a directory created by us
 * {@code rwx------}) where the file system supports POSIX permissions.</li>
 * <li>Key material: the secret is copied to a {@code char[]} that is zeroed after the key
 * derivation and is not kept; encoded sessions are zeroed when they are replaced or
 * removed, plaintext buffers after each write or read. Copies inside the JDK, Jackson and
 * the decoded session objects are beyond reach.</li>
 * </ul>
 * One file must be used by one repository instance (one process) at a time.
 *
 * @param <S> the session type
 */
public final class FileSessionRepository<S> implements SessionRepository<S>, AutoCloseable {

	/** The shortest secret accepted, in characters. */
	public static final int MIN_SECRET_LENGTH = 16;

	/**
	 * PBKDF2 iterations for new stores, unless configured otherwise (OWASP 2023 for
	 * PBKDF2-HMAC-SHA256).
	 */
	public static final int DEFAULT_KDF_ITERATIONS = 600_000;

	/** The fewest PBKDF2 iterations that can be configured or are accepted in a file. */
	public static final int MIN_KDF_ITERATIONS = 1_000;

	/** The most PBKDF2 iterations accepted in a file (a bound on start-up time). */
	public static final int MAX_KDF_ITERATIONS = 10_000_000;

	/**
	 * Deferred saves are written at most once per this interval (so at most a few writes
	 * per second).
	 */
	static final long DEFERRED_WRITE_INTERVAL_MILLIS = 250;

	/** Files larger than this are not read (treated as unusable). */
	static final int MAX_FILE_BYTES = 64 * 1024 * 1024;

	static final int CONTENT_VERSION = 1;

	private static final Logger log = LoggerFactory.getLogger(FileSessionRepository.class);

	private final Path file;

	private final SessionCodec<S> codec;

	private final JsonMapper mapper = JsonMapper.builder().addModule(new IpcJsonModule()).build();

	private final int iterations;

	private final byte[] salt;

	private final StoreCipher cipher;

	/** Serialises writers, including their disk I/O. */
	private final ReentrantLock writeLock = new ReentrantLock();

	/**
	 * Guards {@link #cache}: readers decode under the read lock; writers swap entries
	 * under the write lock.
	 */
	private final ReentrantReadWriteLock cacheLock = new ReentrantReadWriteLock();

	/**
	 * Encoded sessions, as persisted or (when {@link #dirty}) as the next write will
	 * persist them. Mutated only while holding {@link #writeLock} and the cache write
	 * lock.
	 */
	private final Map<Endpoint, byte[]> cache = new LinkedHashMap<>();

	/**
	 * A deferred save is in the cache but not on disk yet. Guarded by {@link #writeLock}.
	 */
	private boolean dirty;

	/** A write of the deferred saves is scheduled. Guarded by {@link #writeLock}. */
	private boolean writeScheduled;

	/** When the file was last written (nanoTime). Guarded by {@link #writeLock}. */
	private long lastWriteNanos = System.nanoTime() - DEFERRED_WRITE_INTERVAL_MILLIS * 1_000_000;

	/**
	 * Writes deferred saves; created on first use, stopped by {@link #close()}. Guarded
	 * by {@link #writeLock}.
	 */
	private java.util.concurrent.@Nullable ScheduledThreadPoolExecutor writer;

	private boolean closed;

	/** File rewrites so far, for tests. */
	private volatile long writes;

	/**
	 * A repository stored in {@code file}, encrypted with a key derived from
	 * {@code secret}, with the default {@link #DEFAULT_KDF_ITERATIONS}. Reads the file if
	 * it exists; creates it (and missing directories) on the first write.
	 * @param file the store file; its directory should not be shared with untrusted users
	 * @param secret at least {@value #MIN_SECRET_LENGTH} characters, not blank; use a
	 * random value from the environment or a secret manager. It is not retained.
	 * @param codec turns sessions into bytes and back
	 * @throws IllegalArgumentException if the secret is blank or too short
	 * @throws IllegalStateException if spring-security-crypto is not on the class path
	 */
	public FileSessionRepository(Path file, CharSequence secret, SessionCodec<S> codec) {
		this(file, secret, codec, DEFAULT_KDF_ITERATIONS);
	}

	private FileSessionRepository(Path file, CharSequence secret, SessionCodec<S> codec, int configuredIterations) {
		Objects.requireNonNull(file, "file");
		Objects.requireNonNull(codec, "codec");
		checkSecret(secret);
		checkIterations(configuredIterations);
		requireSpringSecurityCrypto();
		this.file = file.toAbsolutePath().normalize();
		if (this.file.getFileName() == null) {
			throw new IllegalArgumentException("The session store path must name a file, got " + file);
		}
		this.codec = codec;

		Loaded loaded = readFile();
		char[] chars = StoreSecrets.toChars(secret);
		try {
			StoreCipher fileCipher = null;
			if (loaded.header != null) {
				fileCipher = StoreCipher.derive(chars, loaded.header.salt(), loaded.header.iterations());
				if (!load(fileCipher, loaded.header, loaded.bytes)) {
					fileCipher = null;
				}
			}
			if (fileCipher != null) {
				this.iterations = loaded.header.iterations();
				this.salt = loaded.header.salt();
				this.cipher = fileCipher;
			}
			else {
				// A new store, or one we cannot decrypt: its header is not trusted to set
				// the KDF parameters (an attacker
				// could plant a weak work factor or a salt of their choosing and wait for
				// our next write).
				this.iterations = configuredIterations;
				this.salt = StoreSecrets.random(StoreCipher.SALT_BYTES);
				this.cipher = StoreCipher.derive(chars, salt, iterations);
			}
		}
		finally {
			Arrays.fill(chars, '\0');
		}
		AtomicFiles.deleteStaleTempFiles(this.file);
	}

	/**
	 * A builder, for settings beyond the constructor's.
	 * @see #FileSessionRepository(Path, CharSequence, SessionCodec)
	 */
	public static <S> Builder<S> builder(Path file, CharSequence secret, SessionCodec<S> codec) {
		return new Builder<>(file, secret, codec);
	}

	/** The store file (absolute). */
	public Path file() {
		return file;
	}

	@Override
	public Optional<S> get(Endpoint peer) {
		Objects.requireNonNull(peer, "peer");
		byte[] copy;
		cacheLock.readLock().lock();
		try {
			byte[] encoded = cache.get(peer);
			if (encoded == null) {
				return Optional.empty();
			}
			copy = encoded.clone();
		}
		finally {
			cacheLock.readLock().unlock();
		}
		try {
			return Optional.of(Objects.requireNonNull(codec.decode(copy), "codec returned null"));
		}
		catch (RuntimeException ex) {
			throw new IpcException(ErrorKind.FATAL, "Session codec " + codec
					+ " could not decode the stored session for " + peer + " (" + ex.getClass().getSimpleName() + ")",
					ex);
		}
		finally {
			Arrays.fill(copy, (byte) 0);
		}
	}

	/**
	 * Stores the session for {@code peer}; when this returns, the new state is on disk.
	 * @throws IpcException of kind {@link ErrorKind#FATAL} if it cannot be encoded or
	 * written
	 */
	@Override
	public void save(Endpoint peer, S session) {
		Objects.requireNonNull(peer, "peer");
		Objects.requireNonNull(session, "session");
		byte[] encoded;
		try {
			encoded = Objects.requireNonNull(codec.encode(session), "codec returned null");
		}
		catch (RuntimeException ex) {
			throw new IpcException(ErrorKind.FATAL, "Session codec " + codec + " could not encode the session for "
					+ peer + " (" + ex.getClass().getSimpleName() + ")", ex);
		}
		boolean stored = false;
		writeLock.lock();
		try {
			Map<Endpoint, byte[]> next = new LinkedHashMap<>(cache);
			next.put(peer, encoded);
			persist(next);
			dirty = false;
			byte[] previous;
			cacheLock.writeLock().lock();
			try {
				previous = cache.put(peer, encoded);
			}
			finally {
				cacheLock.writeLock().unlock();
			}
			stored = true;
			if (previous != null && previous != encoded) {
				Arrays.fill(previous, (byte) 0);
			}
		}
		finally {
			writeLock.unlock();
			if (!stored) {
				Arrays.fill(encoded, (byte) 0);
			}
		}
	}

	/**
	 * Removes the session for {@code peer}, if any; when this returns, the removal is on
	 * disk.
	 * @throws IpcException of kind {@link ErrorKind#FATAL} if the file cannot be written
	 */
	@Override
	public void remove(Endpoint peer) {
		Objects.requireNonNull(peer, "peer");
		writeLock.lock();
		try {
			if (!cache.containsKey(peer)) {
				return;
			}
			Map<Endpoint, byte[]> next = new LinkedHashMap<>(cache);
			next.remove(peer);
			persist(next);
			dirty = false;
			byte[] previous;
			cacheLock.writeLock().lock();
			try {
				previous = cache.remove(peer);
			}
			finally {
				cacheLock.writeLock().unlock();
			}
			if (previous != null) {
				Arrays.fill(previous, (byte) 0);
			}
		}
		finally {
			writeLock.unlock();
		}
	}

	/**
	 * {@code true}: sessions survive a restart, so a provider keeps the store off its hot
	 * path.
	 */
	@Override
	public boolean isDurable() {
		return true;
	}

	/**
	 * Stores the session for {@code peer} at once in memory ({@link #get} returns it) and
	 * on disk with the next write, at most {@value #DEFERRED_WRITE_INTERVAL_MILLIS} ms
	 * later: deferred saves in between are coalesced into one file rewrite, so the file
	 * is written at most a few times per second however often this is called. A
	 * {@link #save}, {@link #remove}, {@link #flush()} or {@link #close()} writes it too.
	 * A crash before that loses it (the previous state comes back). A failing background
	 * write is logged and retried at the next interval; {@link #flush()} reports it.
	 * @throws IpcException of kind {@link ErrorKind#FATAL} if it cannot be encoded, or
	 * the repository is closed
	 */
	@Override
	public void saveDeferred(Endpoint peer, S session) {
		Objects.requireNonNull(peer, "peer");
		Objects.requireNonNull(session, "session");
		byte[] encoded;
		try {
			encoded = Objects.requireNonNull(codec.encode(session), "codec returned null");
		}
		catch (RuntimeException ex) {
			throw new IpcException(ErrorKind.FATAL, "Session codec " + codec + " could not encode the session for "
					+ peer + " (" + ex.getClass().getSimpleName() + ")", ex);
		}
		writeLock.lock();
		try {
			if (closed) {
				Arrays.fill(encoded, (byte) 0);
				throw new IpcException(ErrorKind.FATAL, "The session store " + file + " is closed");
			}
			byte[] previous;
			cacheLock.writeLock().lock();
			try {
				previous = cache.put(peer, encoded);
			}
			finally {
				cacheLock.writeLock().unlock();
			}
			if (previous != null && previous != encoded) {
				Arrays.fill(previous, (byte) 0);
			}
			dirty = true;
			scheduleWrite();
		}
		finally {
			writeLock.unlock();
		}
	}

	/** Caller holds {@link #writeLock}. */
	private void scheduleWrite() {
		if (writeScheduled) {
			return;
		}
		if (writer == null) {
			java.util.concurrent.ScheduledThreadPoolExecutor executor = new java.util.concurrent.ScheduledThreadPoolExecutor(
					1, task -> {
						Thread thread = new Thread(task, "ipc-session-store-writer");
						thread.setDaemon(true);
						return thread;
					});
			executor.setKeepAliveTime(2, java.util.concurrent.TimeUnit.SECONDS);
			executor.allowCoreThreadTimeOut(true);
			writer = executor;
		}
		long sinceLast = System.nanoTime() - lastWriteNanos;
		long delayNanos = Math.max(0, DEFERRED_WRITE_INTERVAL_MILLIS * 1_000_000 - sinceLast);
		writer.schedule(this::writeDeferred, delayNanos, java.util.concurrent.TimeUnit.NANOSECONDS);
		writeScheduled = true;
	}

	private void writeDeferred() {
		writeLock.lock();
		try {
			writeScheduled = false;
			writeIfDirty();
		}
		catch (IpcException ex) {
			log.error("Cannot write the deferred sessions to {}: {}; retrying", file, ex.getMessage());
			if (!closed) {
				scheduleWrite();
			}
		}
		finally {
			writeLock.unlock();
		}
	}

	/** Caller holds {@link #writeLock}. */
	private void writeIfDirty() {
		if (dirty) {
			persist(new LinkedHashMap<>(cache));
			dirty = false;
		}
	}

	/**
	 * Writes the deferred saves now, if any; when this returns they are on disk.
	 * @throws IpcException of kind {@link ErrorKind#FATAL} if the file cannot be written
	 */
	@Override
	public void flush() {
		writeLock.lock();
		try {
			writeIfDirty();
		}
		finally {
			writeLock.unlock();
		}
	}

	/**
	 * Writes the deferred saves and stops the background writer. Idempotent; reads keep
	 * working, deferred saves are refused afterwards ({@link #save} and {@link #remove}
	 * still write through).
	 * @throws IpcException of kind {@link ErrorKind#FATAL} if the file cannot be written
	 */
	@Override
	public void close() {
		java.util.concurrent.ScheduledThreadPoolExecutor executor;
		writeLock.lock();
		try {
			closed = true;
			executor = writer;
			writer = null;
			writeScheduled = false;
			writeIfDirty();
		}
		finally {
			writeLock.unlock();
		}
		if (executor != null) {
			executor.shutdownNow();
		}
	}

	/** How many times the file was rewritten, for tests. */
	long writes() {
		return writes;
	}

	@Override
	public int size() {
		cacheLock.readLock().lock();
		try {
			return cache.size();
		}
		finally {
			cacheLock.readLock().unlock();
		}
	}

	@Override
	public String toString() {
		return "FileSessionRepository[file=" + file + ", sessions=" + size() + ", kdf=" + StoreCipher.KDF_NAME + "/"
				+ iterations + "]";
	}

	// ---- writing

	/**
	 * Writes {@code sessions} as the new file content. Caller holds {@link #writeLock}.
	 */
	private void persist(Map<Endpoint, byte[]> sessions) {
		byte[] plaintext = null;
		try {
			plaintext = serialize(sessions);
			byte[] fileNonce = StoreSecrets.random(StoreCipher.FILE_NONCE_BYTES);
			byte[] encrypted = cipher.encrypt(fileNonce, plaintext);
			byte[] header = new StoreHeader(iterations, salt, fileNonce).toBytes();
			AtomicFiles.replace(file, header, encrypted);
			lastWriteNanos = System.nanoTime();
			writes++;
		}
		catch (IOException | RuntimeException ex) {
			throw new IpcException(ErrorKind.FATAL, "Cannot write the session store " + file + " (" + describe(ex)
					+ "); stopping rather than risk reusing a nonce after a restart", ex);
		}
		finally {
			if (plaintext != null) {
				Arrays.fill(plaintext, (byte) 0);
			}
		}
	}

	private byte[] serialize(Map<Endpoint, byte[]> sessions) {
		WipingBuffer out = new WipingBuffer(256 + sessions.size() * 512);
		try {
			try (JsonGenerator g = mapper.createGenerator(out)) {
				g.writeStartObject();
				g.writeNumberProperty("version", CONTENT_VERSION);
				g.writeName("sessions");
				g.writeStartArray();
				for (Map.Entry<Endpoint, byte[]> entry : sessions.entrySet()) {
					g.writeStartObject();
					g.writeName("peer");
					g.writePOJO(entry.getKey());
					g.writeName("session");
					g.writeBinary(entry.getValue());
					g.writeEndObject();
				}
				g.writeEndArray();
				g.writeEndObject();
			}
			return out.toByteArray();
		}
		finally {
			out.wipe();
		}
	}

	// ---- reading

	private record Loaded(@Nullable StoreHeader header, byte @Nullable [] bytes) {
	}

	/**
	 * Reads the file and its header; on any problem logs one WARN line and returns an
	 * empty result.
	 */
	private Loaded readFile() {
		if (Files.exists(file) && !Files.isRegularFile(file)) {
			// a directory, FIFO or device: reading it could fail, or block forever
			warnUnusable("is not a regular file");
			return new Loaded(null, null);
		}
		byte[] bytes;
		try (InputStream in = Files.newInputStream(file)) {
			bytes = in.readNBytes(MAX_FILE_BYTES + 1);
		}
		catch (NoSuchFileException ex) {
			log.debug("Session store {} does not exist yet; starting with no sessions", file);
			return new Loaded(null, null);
		}
		catch (IOException | RuntimeException ex) {
			warnUnusable("cannot be read: " + describe(ex));
			return new Loaded(null, null);
		}
		if (bytes.length > MAX_FILE_BYTES) {
			warnUnusable("is larger than " + MAX_FILE_BYTES + " bytes");
			return new Loaded(null, null);
		}
		try {
			return new Loaded(StoreHeader.parse(bytes, MIN_KDF_ITERATIONS, MAX_KDF_ITERATIONS), bytes);
		}
		catch (IllegalArgumentException ex) {
			warnUnusable(ex.getMessage());
			return new Loaded(null, null);
		}
	}

	/**
	 * Decrypts and parses the file content into the cache.
	 * @return {@code true} if the file decrypted and parsed (even if the codec rejected
	 * some entries); {@code false} after logging one WARN line, with the cache left empty
	 */
	private boolean load(StoreCipher fileCipher, StoreHeader header, byte[] bytes) {
		int start = StoreHeader.length(bytes);
		byte[] plaintext;
		try {
			plaintext = fileCipher.decrypt(header.fileNonce(), Arrays.copyOfRange(bytes, start, bytes.length));
		}
		catch (RuntimeException ex) {
			warnUnusable("cannot be decrypted: wrong secret, or the file was damaged or modified");
			return false;
		}
		Map<Endpoint, byte[]> entries;
		try {
			entries = parse(plaintext);
		}
		catch (RuntimeException ex) {
			warnUnusable("has malformed content: " + describeContentError(ex));
			return false;
		}
		finally {
			Arrays.fill(plaintext, (byte) 0);
		}
		List<String> dropped = new ArrayList<>();
		for (var it = entries.entrySet().iterator(); it.hasNext();) {
			Map.Entry<Endpoint, byte[]> entry = it.next();
			byte[] copy = entry.getValue().clone();
			try {
				Objects.requireNonNull(codec.decode(copy), "codec returned null");
			}
			catch (RuntimeException ex) {
				if (dropped.isEmpty()) {
					dropped.add(entry.getKey() + ": " + ex.getClass().getSimpleName());
				}
				else {
					dropped.add(entry.getKey().toString());
				}
				Arrays.fill(entry.getValue(), (byte) 0);
				it.remove();
			}
			finally {
				Arrays.fill(copy, (byte) 0);
			}
		}
		if (!dropped.isEmpty()) {
			log.warn(
					"Session store {}: dropped {} session(s) that {} cannot decode ({}); those peers will re-handshake",
					file, dropped.size(), codec, LogSafe.escape(String.join(", ", dropped)));
		}
		cacheLock.writeLock().lock();
		try {
			cache.putAll(entries);
		}
		finally {
			cacheLock.writeLock().unlock();
		}
		log.debug("Session store {} loaded with {} session(s)", file, entries.size());
		return true;
	}

	private Map<Endpoint, byte[]> parse(byte[] json) {
		Map<Endpoint, byte[]> entries = new LinkedHashMap<>();
		boolean versionSeen = false;
		boolean sessionsSeen = false;
		try (JsonParser p = mapper.createParser(json)) {
			expect(p.nextToken(), JsonToken.START_OBJECT, "content");
			while (p.nextToken() == JsonToken.PROPERTY_NAME) {
				String name = p.currentName();
				JsonToken value = p.nextToken();
				if ("version".equals(name)) {
					expect(value, JsonToken.VALUE_NUMBER_INT, "version");
					if (p.getIntValue() != CONTENT_VERSION) {
						throw new IllegalArgumentException("unsupported content version " + p.getIntValue());
					}
					versionSeen = true;
				}
				else if ("sessions".equals(name)) {
					expect(value, JsonToken.START_ARRAY, "sessions");
					while (p.nextToken() != JsonToken.END_ARRAY) {
						readEntry(p, entries);
					}
					sessionsSeen = true;
				}
				else {
					p.skipChildren();
				}
			}
			if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
				throw new IllegalArgumentException("trailing or truncated content");
			}
		}
		catch (RuntimeException ex) {
			entries.values().forEach(bytes -> Arrays.fill(bytes, (byte) 0));
			throw ex;
		}
		if (!versionSeen || !sessionsSeen) {
			throw new IllegalArgumentException("missing " + (versionSeen ? "sessions" : "version"));
		}
		return entries;
	}

	private static void readEntry(JsonParser p, Map<Endpoint, byte[]> entries) {
		expect(p.currentToken(), JsonToken.START_OBJECT, "session entry");
		Endpoint peer = null;
		byte[] session = null;
		while (p.nextToken() == JsonToken.PROPERTY_NAME) {
			String name = p.currentName();
			JsonToken value = p.nextToken();
			if ("peer".equals(name)) {
				peer = p.readValueAs(Endpoint.class);
			}
			else if ("session".equals(name)) {
				expect(value, JsonToken.VALUE_STRING, "session");
				session = p.getBinaryValue();
			}
			else {
				p.skipChildren();
			}
		}
		if (peer == null || session == null) {
			if (session != null) {
				Arrays.fill(session, (byte) 0);
			}
			throw new IllegalArgumentException("session entry without " + (peer == null ? "peer" : "session"));
		}
		byte[] previous = entries.put(peer, session);
		if (previous != null) {
			Arrays.fill(previous, (byte) 0);
		}
	}

	private static void expect(@Nullable JsonToken actual, JsonToken expected, String what) {
		if (actual != expected) {
			throw new IllegalArgumentException(what + ": expected " + expected + ", found " + actual);
		}
	}

	private void warnUnusable(String cause) {
		log.warn("Session store {} {}; starting with no sessions (the next save replaces the file)", file, cause);
	}

	// ---- helpers

	private static String describe(Throwable ex) {
		String message = ex.getMessage();
		return ex.getClass().getSimpleName() + (message == null ? "" : ": " + message);
	}

	/**
	 * Decrypted content holds key material, and parser messages may quote the text they
	 * choke on: only our own messages (which never quote content) are shown, otherwise
	 * just the exception type.
	 */
	private static @Nullable String describeContentError(RuntimeException ex) {
		return (ex.getClass() == IllegalArgumentException.class) ? ex.getMessage() : ex.getClass().getSimpleName();
	}

	private static void checkSecret(CharSequence secret) {
		Objects.requireNonNull(secret, "The session store secret is required");
		boolean blank = true;
		for (int i = 0; i < secret.length() && blank; i++) {
			blank = Character.isWhitespace(secret.charAt(i));
		}
		if (blank || secret.length() < MIN_SECRET_LENGTH) {
			throw new IllegalArgumentException("The session store secret must be at least " + MIN_SECRET_LENGTH
					+ " characters and not blank (got " + (blank ? "a blank one" : secret.length() + " characters")
					+ "); configure a long random secret, supplied by the environment or a secret manager");
		}
	}

	private static void checkIterations(int iterations) {
		if (iterations < MIN_KDF_ITERATIONS || iterations > MAX_KDF_ITERATIONS) {
			throw new IllegalArgumentException("kdfIterations must be between " + MIN_KDF_ITERATIONS + " and "
					+ MAX_KDF_ITERATIONS + ", got " + iterations);
		}
	}

	private static void requireSpringSecurityCrypto() {
		try {
			Class.forName("org.springframework.security.crypto.encrypt.AesBytesEncryptor", false,
					FileSessionRepository.class.getClassLoader());
		}
		catch (ClassNotFoundException | LinkageError ex) {
			throw new IllegalStateException("FileSessionRepository needs org.springframework.security:"
					+ "spring-security-crypto on the class path (an optional dependency of ipc-core); add it to your build",
					ex);
		}
	}

	/**
	 * Builds a {@link FileSessionRepository}.
	 *
	 * @param <S> the session type
	 */
	public static final class Builder<S> {

		private final Path file;

		private final CharSequence secret;

		private final SessionCodec<S> codec;

		private int kdfIterations = DEFAULT_KDF_ITERATIONS;

		private Builder(Path file, CharSequence secret, SessionCodec<S> codec) {
			this.file = Objects.requireNonNull(file, "file");
			this.secret = Objects.requireNonNull(secret, "The session store secret is required");
			this.codec = Objects.requireNonNull(codec, "codec");
		}

		/**
		 * PBKDF2 iterations for a store this repository creates (an existing file that
		 * decrypts keeps the count in its header; one that does not is replaced by a new
		 * store with this count and a fresh salt). Default
		 * {@value FileSessionRepository#DEFAULT_KDF_ITERATIONS}; lower it only for tests
		 * or when the secret is itself a long random value.
		 */
		public Builder<S> kdfIterations(int iterations) {
			checkIterations(iterations);
			this.kdfIterations = iterations;
			return this;
		}

		/** Opens the repository, reading the file if it exists. */
		public FileSessionRepository<S> build() {
			return new FileSessionRepository<>(file, secret, codec, kdfIterations);
		}

		@Override
		public String toString() {
			return "FileSessionRepository.Builder[file=" + file + ", kdfIterations=" + kdfIterations + "]";
		}

	}

}
