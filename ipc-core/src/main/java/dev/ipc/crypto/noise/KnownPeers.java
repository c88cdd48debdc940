package dev.ipc.crypto.noise;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ipc.codec.IpcJsonModule;
import dev.ipc.crypto.noise.StaticKeys.Algorithm;
import dev.ipc.internal.LogSafe;
import dev.ipc.model.Endpoint;
import dev.ipc.session.SealedFile;
import tools.jackson.databind.json.JsonMapper;

/**
 * The peers whose static keys this process trusts, like SSH's {@code known_hosts}: one
 * entry per endpoint and key algorithm, with the key, its fingerprint and when it was
 * added. Entries come from pairing (or an operator); the authenticated handshakes
 * ({@code KK}) pin them.
 *
 * <h2>File format</h2> UTF-8 text, one entry per line, fields separated by one tab (a
 * JSON text cannot contain a raw tab), lines starting with {@code #} are comments:
 *
 * <pre>
 * &lt;endpoint, wire JSON&gt; TAB &lt;25519|P256&gt; TAB &lt;public key, base64&gt; TAB &lt;SHA256:fingerprint&gt; TAB &lt;added, ISO-8601 UTC&gt;
 * </pre>
 *
 * Written atomically and owner-only ({@code rw-------}); a line that does not parse, or
 * whose fingerprint does not match its key, is skipped with a WARN (never trusted).
 * <b>Revocation</b>: removing a line from the file (it is re-read when its modification
 * time changes) or calling {@link #remove(Endpoint)} takes effect on the next handshake.
 * Without a file the store lives in memory only.
 *
 * <p>
 * Thread-safe (all methods synchronized; the file is small). I/O failures while writing
 * are {@link IllegalStateException}s naming the file.
 */
public final class KnownPeers {

	private static final Logger log = LoggerFactory.getLogger(KnownPeers.class);

	/** The most entries kept (a bound on what pairing can add). */
	public static final int MAX_ENTRIES = 10_000;

	private static final String HEADER = "# IPC known peers: endpoint\talgorithm\tpublic key (base64)\tfingerprint\tadded\n";

	private final @Nullable Path file;

	private final Clock clock;

	private final JsonMapper mapper = JsonMapper.builder().addModule(new IpcJsonModule()).build();

	private List<Entry> entries = new ArrayList<>();

	private @Nullable FileTime loadedModified;

	/** One trusted key. */
	public record Entry(Endpoint endpoint, Algorithm algorithm, byte[] publicKey, String fingerprint, Instant added) {

		/** Copies the key. */
		public Entry {
			Objects.requireNonNull(endpoint, "endpoint");
			Objects.requireNonNull(algorithm, "algorithm");
			publicKey = publicKey.clone();
			Objects.requireNonNull(fingerprint, "fingerprint");
			Objects.requireNonNull(added, "added");
		}

		/** A copy of the public key (Noise wire encoding). */
		@Override
		public byte[] publicKey() {
			return publicKey.clone();
		}

		@Override
		public boolean equals(Object other) {
			return other instanceof Entry that && endpoint.equals(that.endpoint) && algorithm == that.algorithm
					&& Arrays.equals(publicKey, that.publicKey) && added.equals(that.added);
		}

		@Override
		public int hashCode() {
			return Objects.hash(endpoint, algorithm, Arrays.hashCode(publicKey));
		}

		@Override
		public String toString() {
			return "KnownPeer[" + endpoint + " " + algorithm.noiseName() + " " + fingerprint + " added " + added + "]";
		}
	}

	/**
	 * A changed key for a known endpoint (what SSH calls a changed host identification).
	 */
	public static final class KeyChangedException extends RuntimeException {

		private static final long serialVersionUID = 1L;

		KeyChangedException(String message) {
			super(message);
		}

	}

	private KnownPeers(@Nullable Path file, Clock clock) {
		this.file = file == null ? null : file.toAbsolutePath().normalize();
		this.clock = clock;
	}

	/** An empty store kept in memory. */
	public static KnownPeers inMemory() {
		return new KnownPeers(null, Clock.systemUTC());
	}

	/**
	 * The store in {@code file} (created on the first addition).
	 * @throws IllegalStateException if the file exists but cannot be read
	 */
	public static KnownPeers open(Path file) {
		return open(file, Clock.systemUTC());
	}

	static KnownPeers open(Path file, Clock clock) {
		KnownPeers peers = new KnownPeers(file, clock);
		synchronized (peers) {
			peers.reloadIfChanged();
		}
		return peers;
	}

	/** The file, if any. */
	public Optional<Path> file() {
		return Optional.ofNullable(file);
	}

	/** The trusted key of {@code endpoint} for {@code algorithm}, if any. */
	public synchronized Optional<Entry> lookup(Endpoint endpoint, Algorithm algorithm) {
		reloadIfChanged();
		return Optional.ofNullable(find(endpoint, algorithm));
	}

	private @Nullable Entry find(Endpoint endpoint, Algorithm algorithm) {
		for (Entry entry : entries) {
			if (entry.endpoint().equals(endpoint) && entry.algorithm() == algorithm) {
				return entry;
			}
		}
		return null;
	}

	/** Whether any key of {@code endpoint} is trusted. */
	public synchronized boolean isKnown(Endpoint endpoint) {
		reloadIfChanged();
		return entries.stream().anyMatch(e -> e.endpoint().equals(endpoint));
	}

	/** Every entry, in file order. */
	public synchronized List<Entry> entries() {
		reloadIfChanged();
		return List.copyOf(entries);
	}

	/**
	 * Trusts {@code publicKey} for {@code endpoint}; a no-op if exactly that key is
	 * already trusted.
	 * @throws KeyChangedException if another key is trusted for the endpoint and
	 * algorithm (remove it first to re-pair)
	 * @throws IllegalStateException if the store is full or the file cannot be written
	 */
	public synchronized Entry add(Endpoint endpoint, Algorithm algorithm, byte[] publicKey) {
		reloadIfChanged();
		Entry known = find(endpoint, algorithm);
		if (known != null) {
			if (Arrays.equals(known.publicKey, publicKey)) {
				return known;
			}
			throw new KeyChangedException(changedMessage(endpoint, known, StaticKeys.fingerprint(publicKey)));
		}
		if (entries.size() >= MAX_ENTRIES) {
			throw new IllegalStateException("The known-peers store is full (" + MAX_ENTRIES + " entries)");
		}
		Entry entry = new Entry(endpoint, algorithm, publicKey, StaticKeys.fingerprint(publicKey),
				Instant.ofEpochSecond(clock.instant().getEpochSecond()));
		List<Entry> next = new ArrayList<>(entries);
		next.add(entry);
		persist(next);
		entries = next;
		return entry;
	}

	/**
	 * Revokes every key of {@code endpoint}: its next handshake needs pairing again.
	 * @return whether anything was removed
	 * @throws IllegalStateException if the file cannot be written
	 */
	public synchronized boolean remove(Endpoint endpoint) {
		return removeWhere(e -> e.endpoint().equals(endpoint));
	}

	/**
	 * Revokes the key with {@code fingerprint} wherever it is trusted.
	 * @return whether anything was removed
	 */
	public synchronized boolean removeFingerprint(String fingerprint) {
		return removeWhere(e -> e.fingerprint().equals(fingerprint));
	}

	private boolean removeWhere(Predicate<Entry> revoked) {
		reloadIfChanged();
		List<Entry> next = new ArrayList<>(entries);
		boolean removed = next.removeIf(revoked);
		if (removed) {
			persist(next);
			entries = next;
		}
		return removed;
	}

	static String changedMessage(Endpoint endpoint, Entry known, String offered) {
		return "THE STATIC KEY OF " + LogSafe.of(endpoint) + " HAS CHANGED: it presented " + offered + " but "
				+ known.fingerprint() + " (" + known.algorithm().noiseName() + ", added " + known.added()
				+ ") is known. Someone could be intercepting the connection (a man in the middle), or the peer was "
				+ "given a new key. If the change is expected, remove the old entry (KnownPeers.remove, or its line in "
				+ "the known-peers file) and pair again.";
	}

	private void persist(List<Entry> next) {
		if (file == null) {
			return;
		}
		StringBuilder out = new StringBuilder(HEADER);
		Base64.Encoder b64 = Base64.getEncoder();
		for (Entry entry : next) {
			out.append(mapper.writeValueAsString(entry.endpoint()))
				.append('\t')
				.append(entry.algorithm().noiseName())
				.append('\t')
				.append(b64.encodeToString(entry.publicKey))
				.append('\t')
				.append(entry.fingerprint())
				.append('\t')
				.append(entry.added())
				.append('\n');
		}
		try {
			SealedFile.replacePlain(file, out.toString().getBytes(StandardCharsets.UTF_8));
			loadedModified = Files.getLastModifiedTime(file);
		}
		catch (IOException ex) {
			throw new IllegalStateException("Cannot write the known-peers file " + file + ": " + ex, ex);
		}
	}

	/** Re-reads the file when its modification time changed (operator edits). */
	private void reloadIfChanged() {
		if (file == null) {
			return;
		}
		FileTime modified;
		try {
			modified = Files.getLastModifiedTime(file);
		}
		catch (NoSuchFileException ex) {
			if (loadedModified != null || !entries.isEmpty()) {
				log.info("The known-peers file {} was deleted; no peer is known now", file);
			}
			entries = new ArrayList<>();
			loadedModified = null;
			return;
		}
		catch (IOException ex) {
			throw new IllegalStateException("Cannot read the known-peers file " + file + ": " + ex, ex);
		}
		if (modified.equals(loadedModified)) {
			return;
		}
		List<String> lines;
		try {
			lines = Files.readAllLines(file, StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			throw new IllegalStateException("Cannot read the known-peers file " + file + ": " + ex, ex);
		}
		List<Entry> parsed = new ArrayList<>();
		for (int i = 0; i < lines.size() && parsed.size() < MAX_ENTRIES; i++) {
			String line = lines.get(i);
			if (line.isBlank() || line.startsWith("#")) {
				continue;
			}
			Entry entry = parse(line);
			if (entry == null) {
				log.warn("Ignoring line {} of the known-peers file {}: not a valid entry", i + 1, file);
			}
			else {
				parsed.add(entry);
			}
		}
		entries = parsed;
		loadedModified = modified;
	}

	private @Nullable Entry parse(String line) {
		String[] fields = line.split("\t", -1);
		if (fields.length != 5) {
			return null;
		}
		try {
			Endpoint endpoint = mapper.readValue(fields[0], Endpoint.class);
			Algorithm algorithm = Algorithm.fromNoiseName(fields[1]);
			byte[] key = Base64.getDecoder().decode(fields[2]);
			algorithm.dh().decodePublicKey(key);
			if (!StaticKeys.fingerprint(key).equals(fields[3])) {
				return null;
			}
			return new Entry(endpoint, algorithm, key, fields[3], Instant.parse(fields[4]));
		}
		catch (RuntimeException | NoiseProtocolException ex) {
			return null;
		}
	}

	@Override
	public String toString() {
		return "KnownPeers[" + (file == null ? "in memory" : file) + "]";
	}

}
