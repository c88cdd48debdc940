package dev.ipc.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ipc.model.Endpoint;
import dev.ipc.model.HostId;
import dev.ipc.spi.ErrorKind;
import dev.ipc.spi.IpcException;

class FileSessionRepositoryTest {

	static final String SECRET = "correct horse battery staple 42";

	static final String OTHER_SECRET = "another long secret, not the one";

	static final Endpoint PEER = Endpoint.named("worker");

	static final Endpoint OTHER_PEER = Endpoint.DESKTOP_MAIN;

	static final SessionCodec<TestSession> CODEC = new JacksonSessionCodec<>(TestSession.class);

	@TempDir
	Path dir;

	Path file;

	CapturedLogs logs;

	@BeforeEach
	void setUp() {
		file = dir.resolve("sessions.store");
		logs = new CapturedLogs(FileSessionRepository.class);
	}

	@AfterEach
	void tearDown() {
		logs.close();
	}

	/**
	 * Tests use the smallest PBKDF2 work factor; the format and code paths are the same.
	 */
	static FileSessionRepository<TestSession> open(Path file, String secret) {
		return open(file, secret, CODEC);
	}

	static <S> FileSessionRepository<S> open(Path file, String secret, SessionCodec<S> codec) {
		return FileSessionRepository.builder(file, secret, codec)
			.kdfIterations(FileSessionRepository.MIN_KDF_ITERATIONS)
			.build();
	}

	static TestSession session(String marker, long nonce) {
		return new TestSession(marker, nonce);
	}

	@Nested
	class DeferredSaves {

		@Test
		void aDeferredSaveIsVisibleAtOnceAndOnDiskAfterFlush() {
			FileSessionRepository<TestSession> repo = open(file, SECRET);
			assertThat(repo.isDurable()).isTrue();
			repo.save(PEER, session("a", 1));
			repo.saveDeferred(PEER, session("a", 2));
			assertThat(repo.get(PEER)).contains(session("a", 2));
			repo.flush();
			assertThat(open(file, SECRET).get(PEER)).contains(session("a", 2));
			repo.close();
		}

		@Test
		void manyDeferredSavesAreCoalescedAndWrittenByThemselvesSoon() throws IOException {
			FileSessionRepository<TestSession> repo = open(file, SECRET);
			repo.save(PEER, session("a", 0));
			String headerAfterSave = headerLine(file); // every write has a fresh file
														// nonce in its header
			long writesBefore = repo.writes();
			long started = System.nanoTime();
			for (int i = 1; i <= 1000; i++) {
				repo.saveDeferred(PEER, session("a", i));
			}
			org.awaitility.Awaitility.await()
				.atMost(java.time.Duration.ofSeconds(5))
				// the write is counted once the file is in place: wait for both
				.until(() -> repo.writes() > writesBefore
						&& open(file, SECRET).get(PEER).equals(java.util.Optional.of(session("a", 1000))));
			assertThat(headerLine(file)).isNotEqualTo(headerAfterSave);
			// the contract: at most one rewrite per interval, however many deferred saves
			long intervals = (System.nanoTime() - started) / java.util.concurrent.TimeUnit.MILLISECONDS
				.toNanos(FileSessionRepository.DEFERRED_WRITE_INTERVAL_MILLIS);
			assertThat(repo.writes() - writesBefore).as("1000 deferred saves, coalesced").isBetween(1L, intervals + 1);
			repo.close();
		}

		@Test
		void closeWritesWhatIsDeferredAndRefusesMoreDeferredSaves() {
			FileSessionRepository<TestSession> repo = open(file, SECRET);
			repo.saveDeferred(OTHER_PEER, session("b", 7));
			repo.close();
			assertThat(open(file, SECRET).get(OTHER_PEER)).contains(session("b", 7));
			assertThatThrownBy(() -> repo.saveDeferred(OTHER_PEER, session("b", 8))).isInstanceOf(IpcException.class);
			repo.save(OTHER_PEER, session("b", 9)); // still writes through
			assertThat(open(file, SECRET).get(OTHER_PEER)).contains(session("b", 9));
		}

	}

	@Nested
	class Basics {

		@Test
		void saveGetRemoveSize() {
			FileSessionRepository<TestSession> repo = open(file, SECRET);
			assertThat(repo.size()).isZero();
			assertThat(repo.get(PEER)).isEmpty();

			repo.save(PEER, session("a", 1));
			repo.save(OTHER_PEER, session("b", 2));
			assertThat(repo.get(PEER)).contains(session("a", 1));
			assertThat(repo.get(OTHER_PEER)).contains(session("b", 2));
			assertThat(repo.size()).isEqualTo(2);

			repo.save(PEER, session("a", 3));
			assertThat(repo.get(PEER)).contains(session("a", 3));
			assertThat(repo.size()).isEqualTo(2);

			repo.remove(PEER);
			assertThat(repo.get(PEER)).isEmpty();
			assertThat(repo.size()).isEqualTo(1);
			assertThatCode(() -> repo.remove(PEER)).doesNotThrowAnyException();
			assertThat(logs.warnings()).isEmpty();
		}

		@Test
		void getReturnsAFreshCopyEachTime() {
			FileSessionRepository<TestSession> repo = open(file, SECRET);
			repo.save(PEER, session("a", 1));
			assertThat(repo.get(PEER).orElseThrow()).isNotSameAs(repo.get(PEER).orElseThrow());
		}

		@Test
		void survivesARestart() {
			FileSessionRepository<TestSession> first = open(file, SECRET);
			first.save(PEER, session("a", 1));
			first.save(OTHER_PEER, session("b", 2));
			first.save(Endpoint.DESKTOP_RENDERER, session("c", 3));
			first.save(PEER, session("a", 4));
			first.remove(Endpoint.DESKTOP_RENDERER);

			FileSessionRepository<TestSession> second = open(file, SECRET);
			assertThat(second.size()).isEqualTo(2);
			assertThat(second.get(PEER)).contains(session("a", 4));
			assertThat(second.get(OTHER_PEER)).contains(session("b", 2));
			assertThat(second.get(Endpoint.DESKTOP_RENDERER)).isEmpty();
			assertThat(logs.warnings()).isEmpty();
		}

		@Test
		void everyEndpointVariantIsAKey() {
			List<Endpoint> peers = List.of(new Endpoint.Web(1, "doc-1"), new Endpoint.Web(1, "doc-2"),
					new Endpoint.BrowserForeground(3), new Endpoint.BrowserBackground(HostId.OWN),
					new Endpoint.BrowserBackground(HostId.id(7)), new Endpoint.BrowserBackground(HostId.id(0)),
					Endpoint.DESKTOP_RENDERER, Endpoint.DESKTOP_MAIN, Endpoint.named("x"), Endpoint.named("y"));
			FileSessionRepository<TestSession> repo = open(file, SECRET);
			for (int i = 0; i < peers.size(); i++) {
				repo.save(peers.get(i), session("s" + i, i));
			}
			FileSessionRepository<TestSession> reopened = open(file, SECRET);
			assertThat(reopened.size()).isEqualTo(peers.size());
			for (int i = 0; i < peers.size(); i++) {
				// equal, not identical, keys find the session (structural equality, spec
				// §5.1)
				assertThat(reopened.get(copyOf(peers.get(i)))).as("%s", peers.get(i)).contains(session("s" + i, i));
			}
		}

		private Endpoint copyOf(Endpoint endpoint) {
			if (endpoint instanceof Endpoint.Web web) {
				return new Endpoint.Web(web.tabId(), new String(web.documentId()));
			}
			if (endpoint instanceof Endpoint.Named named) {
				return Endpoint.named(new String(named.name()));
			}
			return endpoint;
		}

		@Test
		void arbitraryBinarySessionsRoundTrip() {
			SessionCodec<byte[]> identity = new SessionCodec<>() {
				@Override
				public byte[] encode(byte[] session) {
					return session.clone();
				}

				@Override
				public byte[] decode(byte[] bytes) {
					return bytes.clone();
				}
			};
			byte[] all = new byte[256];
			for (int i = 0; i < all.length; i++) {
				all[i] = (byte) i;
			}
			open(file, SECRET, identity).save(PEER, all);
			assertThat(open(file, SECRET, identity).get(PEER)).hasValueSatisfying(b -> assertThat(b).isEqualTo(all));
		}

		@Test
		void noFileIsCreatedBeforeTheFirstChange() {
			FileSessionRepository<TestSession> repo = open(file, SECRET);
			repo.remove(PEER);
			assertThat(repo.get(PEER)).isEmpty();
			assertThat(file).doesNotExist();
			assertThat(logs.warnings()).as("a missing file is normal").isEmpty();
		}

		@Test
		void getAndSizeNeverTouchTheDisk() throws IOException {
			FileSessionRepository<TestSession> repo = open(file, SECRET);
			repo.save(PEER, session("a", 1));
			Files.write(file, "garbage".getBytes(StandardCharsets.US_ASCII));
			assertThat(repo.get(PEER)).contains(session("a", 1));
			Files.delete(file);
			assertThat(repo.get(PEER)).contains(session("a", 1));
			assertThat(repo.size()).isEqualTo(1);
		}

		@Test
		void createsMissingDirectories() {
			Path nested = dir.resolve("a/b/sessions.store");
			open(nested, SECRET).save(PEER, session("a", 1));
			assertThat(open(nested, SECRET).get(PEER)).contains(session("a", 1));
		}

		@Test
		void relativePathsAreResolved() {
			FileSessionRepository<TestSession> repo = open(Path.of("relative.store"), SECRET);
			assertThat(repo.file()).isAbsolute().hasFileName("relative.store");
		}

	}

	@Nested
	class FileFormat {

		@Test
		void headerIsOneTextLineAndTheSaltIsKeptAcrossWrites() throws IOException {
			FileSessionRepository<TestSession> repo = open(file, SECRET);
			repo.save(PEER, session("a", 1));
			String first = headerLine(file);
			repo.save(PEER, session("a", 2));
			String second = headerLine(file);

			String pattern = "IPC-SESSION-STORE 1 PBKDF2WithHmacSHA256 1000 [0-9a-f]{64} [0-9a-f]{64}";
			assertThat(first).matches(pattern);
			assertThat(second).matches(pattern);
			String[] a = first.split(" ");
			String[] b = second.split(" ");
			assertThat(b[4]).as("salt").isEqualTo(a[4]);
			assertThat(b[5]).as("file nonce").isNotEqualTo(a[5]);
			// IV (12) + at least the JSON frame + tag (16) after the header
			assertThat(Files.size(file)).isGreaterThan(first.length() + 1 + 12 + 16 + 20);
		}

		@Test
		void defaultWorkFactorIsWrittenToTheHeader() throws IOException {
			new FileSessionRepository<>(file, SECRET, CODEC).save(PEER, session("a", 1));
			assertThat(headerLine(file).split(" ")[3])
				.isEqualTo(String.valueOf(FileSessionRepository.DEFAULT_KDF_ITERATIONS));
		}

		@Test
		void anExistingStoreKeepsItsWorkFactor() throws IOException {
			open(file, SECRET).save(PEER, session("a", 1));
			FileSessionRepository<TestSession> reopened = FileSessionRepository.builder(file, SECRET, CODEC)
				.kdfIterations(2_000)
				.build();
			assertThat(reopened.get(PEER)).contains(session("a", 1));
			reopened.save(PEER, session("a", 2));
			assertThat(headerLine(file).split(" ")[3]).isEqualTo("1000");
		}

		@Test
		void aFileThatCannotBeDecryptedDoesNotDictateTheKdfParameters() throws IOException {
			// e.g. planted by someone who can write the file, with a weak work factor and
			// a salt of their choosing
			open(file, SECRET).save(PEER, session("a", 1));
			String planted = headerLine(file);

			FileSessionRepository<TestSession> repo = FileSessionRepository.builder(file, OTHER_SECRET, CODEC)
				.kdfIterations(2_000)
				.build();
			assertThat(repo.size()).isZero();
			repo.save(PEER, session("b", 2));
			String[] written = headerLine(file).split(" ");
			assertThat(written[3]).as("configured work factor").isEqualTo("2000");
			assertThat(written[4]).as("fresh salt").isNotEqualTo(planted.split(" ")[4]);
			assertThat(open(file, OTHER_SECRET).get(PEER)).contains(session("b", 2));
		}

		@Test
		void fileDoesNotContainPlaintext() throws IOException {
			String marker = "PLAINTEXT-MARKER-7f3a9c";
			Endpoint peer = Endpoint.named("peer-name-4b1d");
			FileSessionRepository<TestSession> repo = open(file, SECRET);
			repo.save(peer, session(marker, 123456789L));

			byte[] raw = Files.readAllBytes(file);
			String base64 = Base64.getEncoder().encodeToString(CODEC.encode(session(marker, 123456789L)));
			assertThat(contains(raw, marker)).as("session marker").isFalse();
			assertThat(contains(raw, "peer-name-4b1d")).as("peer name").isFalse();
			assertThat(contains(raw, base64.substring(0, 24))).as("base64 of the session").isFalse();
			assertThat(contains(raw, "sessions")).as("JSON structure").isFalse();
			assertThat(contains(raw, SECRET)).as("secret").isFalse();
		}

		private static boolean contains(byte[] haystack, String needle) {
			return new String(haystack, StandardCharsets.ISO_8859_1).contains(needle);
		}

	}

	@Nested
	class UnusableFiles {

		@Test
		void wrongSecretStartsEmptyWarnsAndTheNextSaveWorks() {
			open(file, SECRET).save(PEER, session("a", 1));

			FileSessionRepository<TestSession> wrong = open(file, OTHER_SECRET);
			assertThat(wrong.size()).isZero();
			assertThat(wrong.get(PEER)).isEmpty();
			assertThat(logs.warnings()).singleElement().satisfies(line -> {
				assertThat(line).contains(file.toString()).contains("cannot be decrypted").contains("wrong secret");
				assertThat(line).doesNotContain(SECRET).doesNotContain(OTHER_SECRET);
			});

			wrong.save(OTHER_PEER, session("b", 2));
			FileSessionRepository<TestSession> reopened = open(file, OTHER_SECRET);
			assertThat(reopened.get(OTHER_PEER)).contains(session("b", 2));
			assertThat(reopened.get(PEER)).isEmpty();
			assertThat(open(file, SECRET).size()).as("the old secret no longer opens the store").isZero();
		}

		@Test
		void randomBytesStartEmpty() throws IOException {
			Random random = new Random(42);
			for (int length : new int[] { 0, 1, 15, 100, 255, 256, 257, 4096 }) {
				byte[] bytes = new byte[length];
				random.nextBytes(bytes);
				Files.write(file, bytes);
				assertEmptyWithOneWarning();
			}
		}

		@Test
		void truncatedFilesStartEmpty() throws IOException {
			FileSessionRepository<TestSession> repo = open(file, SECRET);
			repo.save(PEER, session("a", 1));
			repo.save(OTHER_PEER, session("b", 2));
			byte[] valid = Files.readAllBytes(file);
			List<Integer> cuts = new ArrayList<>();
			for (int cut = 0; cut < valid.length; cut += 7) {
				cuts.add(cut);
			}
			cuts.add(valid.length - 1);
			for (int cut : cuts) {
				Files.write(file, Arrays.copyOf(valid, cut));
				assertEmptyWithOneWarning();
			}
			// and a truncated store is replaced by the next save
			Files.write(file, Arrays.copyOf(valid, valid.length / 2));
			open(file, SECRET).save(PEER, session("c", 3));
			assertThat(open(file, SECRET).get(PEER)).contains(session("c", 3));
		}

		@Test
		void validHeaderFollowedByGarbageStartsEmpty() throws IOException {
			open(file, SECRET).save(PEER, session("a", 1));
			byte[] header = (headerLine(file) + "\n").getBytes(StandardCharsets.US_ASCII);
			Random random = new Random(7);
			for (int length : new int[] { 0, 1, 27, 28, 29, 1000 }) {
				byte[] garbage = new byte[length];
				random.nextBytes(garbage);
				Files.write(file, concat(header, garbage));
				assertEmptyWithOneWarning();
			}
		}

		@Test
		void anyFlippedBitInTheCiphertextIsDetected() throws IOException {
			open(file, SECRET).save(PEER, session("a", 1));
			byte[] valid = Files.readAllBytes(file);
			int start = headerLine(file).length() + 1;
			for (int at : new int[] { start, start + 11, start + 12, (start + valid.length) / 2, valid.length - 16,
					valid.length - 1 }) {
				byte[] damaged = valid.clone();
				damaged[at] ^= 0x01;
				Files.write(file, damaged);
				assertEmptyWithOneWarning();
			}
		}

		@Test
		void tamperedHeaderFieldsAreDetected() throws IOException {
			open(file, SECRET).save(PEER, session("a", 1));
			byte[] valid = Files.readAllBytes(file);
			String header = headerLine(file);
			byte[] body = Arrays.copyOfRange(valid, header.length() + 1, valid.length);
			String[] f = header.split(" ");
			List<String> tampered = List.of(String.join(" ", f[0], f[1], f[2], "1001", f[4], f[5]),
					String.join(" ", f[0], f[1], f[2], f[3], flipLastHex(f[4]), f[5]),
					String.join(" ", f[0], f[1], f[2], f[3], f[4], flipLastHex(f[5])),
					String.join(" ", f[0], "2", f[2], f[3], f[4], f[5]),
					String.join(" ", f[0], f[1], "PBKDF2WithHmacSHA1", f[3], f[4], f[5]),
					String.join(" ", f[0], f[1], f[2], "999999999", f[4], f[5]),
					String.join(" ", f[0], f[1], f[2], "-5", f[4], f[5]),
					String.join(" ", f[0], f[1], f[2], "many", f[4], f[5]),
					String.join(" ", f[0], f[1], f[2], f[3], f[4].substring(2), f[5]),
					String.join(" ", f[0], f[1], f[2], f[3], "zz" + f[4].substring(2), f[5]),
					String.join(" ", f[0], f[1], f[2], f[3], f[4]), "X" + header);
			for (String line : tampered) {
				Files.write(file, concat((line + "\n").getBytes(StandardCharsets.US_ASCII), body));
				assertEmptyWithOneWarning();
			}
		}

		@Test
		void malformedDecryptedContentStartsEmptyWithoutQuotingIt() throws IOException {
			open(file, SECRET).save(PEER, session("a", 1));
			String[] f = headerLine(file).split(" ");
			byte[] salt = java.util.HexFormat.of().parseHex(f[4]);
			StoreCipher cipher = StoreCipher.derive(SECRET.toCharArray(), salt, Integer.parseInt(f[3]));
			List<String> contents = List.of("not json", "[]", "{}", "{\"version\":2,\"sessions\":[]}",
					"{\"version\":1}", "{\"sessions\":[]}", "{\"version\":1,\"sessions\":[{\"peer\":\"DesktopMain\"}]}",
					"{\"version\":1,\"sessions\":[{\"peer\":\"Nowhere\",\"session\":\"AAAA\"}]}",
					"{\"version\":1,\"sessions\":[{\"peer\":\"DesktopMain\",\"session\":KEYMATERIAL0123}]}",
					"{\"version\":1,\"sessions\":[{\"peer\":\"DesktopMain\",\"session\":\"AAAA\"}]} trailing",
					"{\"version\":1,\"sessions\":[{\"peer\":\"DesktopMain\",\"session\":\"AAAA\"}");
			for (String content : contents) {
				byte[] nonce = new byte[StoreCipher.FILE_NONCE_BYTES];
				new Random(content.hashCode()).nextBytes(nonce);
				byte[] header = new StoreHeader(Integer.parseInt(f[3]), salt, nonce).toBytes();
				byte[] body = cipher.encrypt(nonce, content.getBytes(StandardCharsets.UTF_8));
				Files.write(file, concat(header, body));
				assertEmptyWithOneWarning();
			}
			assertThat(String.join("\n", allWarnings)).doesNotContain("KEYMATERIAL");
		}

		@Test
		void unknownFieldsInTheContentAreIgnored() throws IOException {
			open(file, SECRET).save(PEER, session("a", 1));
			String[] f = headerLine(file).split(" ");
			byte[] salt = java.util.HexFormat.of().parseHex(f[4]);
			StoreCipher cipher = StoreCipher.derive(SECRET.toCharArray(), salt, Integer.parseInt(f[3]));
			String encoded = Base64.getEncoder().encodeToString(CODEC.encode(session("z", 9)));
			String content = "{\"future\":{\"x\":[1,2]},\"version\":1,\"sessions\":[{\"peer\":\"DesktopMain\",\"extra\":true,"
					+ "\"session\":\"" + encoded + "\"}]}";
			byte[] nonce = new byte[StoreCipher.FILE_NONCE_BYTES];
			byte[] header = new StoreHeader(Integer.parseInt(f[3]), salt, nonce).toBytes();
			Files.write(file, concat(header, cipher.encrypt(nonce, content.getBytes(StandardCharsets.UTF_8))));
			FileSessionRepository<TestSession> repo = open(file, SECRET);
			assertThat(repo.get(Endpoint.DESKTOP_MAIN)).contains(session("z", 9));
			assertThat(logs.warnings()).isEmpty();
		}

		@Test
		void sessionsTheCodecCannotDecodeAreDroppedOnLoad() {
			FileSessionRepository<TestSession> repo = open(file, SECRET);
			repo.save(PEER, session("good", 1));
			repo.save(OTHER_PEER, session("bad", 2));
			SessionCodec<TestSession> picky = new SessionCodec<>() {
				@Override
				public byte[] encode(TestSession session) {
					return CODEC.encode(session);
				}

				@Override
				public TestSession decode(byte[] bytes) {
					TestSession session = CODEC.decode(bytes);
					if (session.marker().equals("bad")) {
						throw new IllegalStateException("unsupported session KEYMATERIAL");
					}
					return session;
				}
			};
			FileSessionRepository<TestSession> reopened = open(file, SECRET, picky);
			assertThat(reopened.size()).isEqualTo(1);
			assertThat(reopened.get(PEER)).contains(session("good", 1));
			assertThat(logs.warnings()).singleElement()
				.asString()
				.contains("dropped 1 session")
				.contains("DesktopMain")
				.doesNotContain("KEYMATERIAL");
		}

		/**
		 * A peer name is peer-controlled: the warning naming dropped sessions must not
		 * let it forge a log line.
		 */
		@Test
		void theWarningAboutDroppedSessionsEscapesPeerNames() {
			FileSessionRepository<TestSession> repo = open(file, SECRET);
			repo.save(Endpoint.named("evil\n2026-12-02 WARN forged\u2028line"), session("bad", 2));
			SessionCodec<TestSession> refusing = new SessionCodec<>() {
				@Override
				public byte[] encode(TestSession session) {
					return CODEC.encode(session);
				}

				@Override
				public TestSession decode(byte[] bytes) {
					throw new IllegalStateException("unsupported");
				}
			};
			open(file, SECRET, refusing);
			assertThat(logs.warnings()).singleElement()
				.asString()
				.contains("dropped 1 session")
				.doesNotContain("\n")
				.doesNotContain("\u2028");
		}

		@Test
		void aDirectoryInPlaceOfTheFileIsUnreadableAndUnwritable() throws IOException {
			Files.createDirectory(file);
			FileSessionRepository<TestSession> repo = open(file, SECRET);
			assertThat(repo.size()).isZero();
			assertThat(logs.warnings()).singleElement()
				.asString()
				.contains(file.toString())
				.contains("not a regular file");
			assertThatThrownBy(() -> repo.save(PEER, session("a", 1))).isInstanceOfSatisfying(IpcException.class,
					ex -> assertThat(ex.kind()).isEqualTo(ErrorKind.FATAL));
		}

		@Test
		void aNamedPipeInPlaceOfTheFileDoesNotBlock() throws Exception {
			assumePosix();
			Process mkfifo;
			try {
				mkfifo = new ProcessBuilder("mkfifo", file.toString()).redirectErrorStream(true).start();
			}
			catch (IOException ex) {
				assumeThat(ex).as("mkfifo available").isNull();
				return;
			}
			assumeThat(mkfifo.waitFor()).as("mkfifo succeeded").isZero();
			assertEmptyWithOneWarning();
			FileSessionRepository<TestSession> repo = open(file, SECRET);
			repo.save(PEER, session("a", 1)); // the rename replaces the pipe
			assertThat(Files.isRegularFile(file)).isTrue();
			assertThat(open(file, SECRET).get(PEER)).contains(session("a", 1));
		}

		@Test
		void anUnreadableFileStartsEmpty() throws IOException {
			open(file, SECRET).save(PEER, session("a", 1));
			assumePosix();
			Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("---------"));
			assumeThat(Files.isReadable(file)).as("running as a user that permissions restrict (not root)").isFalse();
			assertEmptyWithOneWarning();
		}

		private final List<String> allWarnings = new ArrayList<>();

		private void assertEmptyWithOneWarning() {
			logs.clear();
			FileSessionRepository<TestSession> repo = open(file, SECRET);
			assertThat(repo.size()).isZero();
			assertThat(repo.get(PEER)).isEmpty();
			List<String> warnings = logs.warnings();
			assertThat(warnings).singleElement().asString().contains(file.toString()).doesNotContain(SECRET);
			allWarnings.addAll(warnings);
		}

		private String flipLastHex(String hex) {
			char last = hex.charAt(hex.length() - 1);
			return hex.substring(0, hex.length() - 1) + (last == '0' ? '1' : '0');
		}

	}

	@Nested
	class WriteFailures {

		@Test
		void parentIsAFile() throws IOException {
			Path blocker = Files.createFile(dir.resolve("blocker"));
			Path store = blocker.resolve("sessions.store");
			FileSessionRepository<TestSession> repo = open(store, SECRET);
			assertThatThrownBy(() -> repo.save(PEER, session("a", 1))).isInstanceOfSatisfying(IpcException.class,
					ex -> {
						assertThat(ex.kind()).isEqualTo(ErrorKind.FATAL);
						assertThat(ex.getMessage()).contains(store.toString())
							.contains("Cannot write the session store");
					});
			assertThat(repo.size()).isZero();
			assertThat(repo.get(PEER)).isEmpty();
		}

		@Test
		void aFailedWriteLeavesTheCacheAsItWas() throws IOException {
			Path sub = dir.resolve("sub");
			Path store = sub.resolve("sessions.store");
			FileSessionRepository<TestSession> repo = open(store, SECRET);
			repo.save(PEER, session("a", 1));

			Files.delete(store);
			Files.delete(sub);
			Files.createFile(sub); // the directory is now a file: every write fails

			assertThatThrownBy(() -> repo.save(OTHER_PEER, session("b", 2))).isInstanceOfSatisfying(IpcException.class,
					ex -> assertThat(ex.kind()).isEqualTo(ErrorKind.FATAL));
			assertThatThrownBy(() -> repo.save(PEER, session("a", 2))).isInstanceOfSatisfying(IpcException.class,
					ex -> assertThat(ex.kind()).isEqualTo(ErrorKind.FATAL));
			assertThatThrownBy(() -> repo.remove(PEER)).isInstanceOfSatisfying(IpcException.class,
					ex -> assertThat(ex.kind()).isEqualTo(ErrorKind.FATAL));
			assertThat(repo.get(PEER)).contains(session("a", 1));
			assertThat(repo.get(OTHER_PEER)).isEmpty();
			assertThat(repo.size()).isEqualTo(1);
		}

		@Test
		void readOnlyDirectory() throws IOException {
			assumePosix();
			Path ro = Files.createDirectory(dir.resolve("ro"));
			Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("r-x------"));
			try {
				assumeThat(Files.isWritable(ro)).as("running as a user that permissions restrict (not root)").isFalse();
				FileSessionRepository<TestSession> repo = open(ro.resolve("sessions.store"), SECRET);
				assertThatThrownBy(() -> repo.save(PEER, session("a", 1))).isInstanceOfSatisfying(IpcException.class,
						ex -> assertThat(ex.kind()).isEqualTo(ErrorKind.FATAL));
			}
			finally {
				Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("rwx------"));
			}
		}

		@Test
		void encodingFailureIsFatalAndWritesNothing() {
			SessionCodec<TestSession> broken = new SessionCodec<>() {
				@Override
				public byte[] encode(TestSession session) {
					throw new IllegalStateException("cannot encode");
				}

				@Override
				public TestSession decode(byte[] bytes) {
					return CODEC.decode(bytes);
				}
			};
			FileSessionRepository<TestSession> repo = open(file, SECRET, broken);
			assertThatThrownBy(() -> repo.save(PEER, session("a", 1))).isInstanceOfSatisfying(IpcException.class,
					ex -> assertThat(ex.kind()).isEqualTo(ErrorKind.FATAL));
			assertThat(file).doesNotExist();
		}

	}

	@Nested
	class FileSystem {

		@Test
		void fileIsOwnerOnly() throws IOException {
			assumePosix();
			open(file, SECRET).save(PEER, session("a", 1));
			assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
		}

		@Test
		void anExistingLaxFileIsReplacedByAnOwnerOnlyOne() throws IOException {
			assumePosix();
			open(file, SECRET).save(PEER, session("a", 1));
			Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
			FileSessionRepository<TestSession> repo = open(file, SECRET);
			repo.save(PEER, session("a", 2));
			assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
		}

		@Test
		void createdDirectoriesAreOwnerOnly() throws IOException {
			assumePosix();
			Path store = dir.resolve("x/y/sessions.store");
			open(store, SECRET).save(PEER, session("a", 1));
			assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("x"))))
				.isEqualTo("rwx------");
			assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("x/y"))))
				.isEqualTo("rwx------");
		}

		@Test
		void noTemporaryFilesAreLeftBehind() throws IOException {
			FileSessionRepository<TestSession> repo = open(file, SECRET);
			for (int i = 0; i < 20; i++) {
				repo.save(Endpoint.named("p" + (i % 5)), session("s", i));
				if (i % 3 == 0) {
					repo.remove(Endpoint.named("p" + (i % 5)));
				}
			}
			assertThat(listDir()).containsExactly("sessions.store");
		}

		@Test
		void noTemporaryFileIsLeftBehindByAFailedWrite() throws IOException {
			FileSessionRepository<TestSession> repo = open(file, SECRET);
			repo.save(PEER, session("a", 1));
			Files.delete(file);
			Files.createDirectory(file); // the rename onto a directory fails after the
											// temporary file was written
			Files.createFile(file.resolve("keep-me-non-empty"));
			assertThatThrownBy(() -> repo.save(PEER, session("a", 2))).isInstanceOf(IpcException.class);
			assertThat(listDir()).containsExactly("sessions.store");
		}

		@Test
		void staleTemporaryFilesOfACrashedWriterAreDeletedOnOpen() throws IOException {
			Files.write(dir.resolve(".sessions.store.12345.tmp"), new byte[] { 1, 2, 3 });
			Files.write(dir.resolve("unrelated.tmp"), new byte[] { 1 });
			open(file, SECRET);
			assertThat(listDir()).containsExactly("unrelated.tmp");
		}

		private List<String> listDir() throws IOException {
			try (Stream<Path> files = Files.list(dir)) {
				return files.map(p -> p.getFileName().toString()).sorted(Comparator.naturalOrder()).toList();
			}
		}

	}

	@Nested
	class Concurrency {

		@Test
		void concurrentSavesOfDifferentPeersAreAllKept() throws Exception {
			int threads = 8;
			int perThread = 25;
			FileSessionRepository<TestSession> repo = open(file, SECRET);
			ExecutorService pool = Executors.newFixedThreadPool(threads);
			CountDownLatch start = new CountDownLatch(1);
			try {
				List<Future<?>> futures = new ArrayList<>();
				for (int t = 0; t < threads; t++) {
					int thread = t;
					futures.add(pool.submit(() -> {
						start.await();
						for (int i = 0; i < perThread; i++) {
							Endpoint peer = Endpoint.named("t" + thread + "-" + i);
							repo.save(peer, session("t" + thread, i));
							assertThat(repo.get(peer)).contains(session("t" + thread, i));
							// a concurrent overwrite of one's own peer, interleaved with
							// everybody else's saves
							repo.save(peer, session("t" + thread, i + 1000));
						}
						return null;
					}));
				}
				start.countDown();
				for (Future<?> future : futures) {
					future.get(60, TimeUnit.SECONDS);
				}
			}
			finally {
				pool.shutdownNow();
			}
			assertThat(repo.size()).isEqualTo(threads * perThread);
			FileSessionRepository<TestSession> reopened = open(file, SECRET);
			assertThat(reopened.size()).isEqualTo(threads * perThread);
			for (int t = 0; t < threads; t++) {
				for (int i = 0; i < perThread; i++) {
					assertThat(reopened.get(Endpoint.named("t" + t + "-" + i))).contains(session("t" + t, i + 1000));
				}
			}
		}

	}

	@Nested
	class KeyMaterial {

		/** Records the arrays that pass between the repository and the codec. */
		final class RecordingCodec implements SessionCodec<TestSession> {

			final List<byte[]> encoded = new ArrayList<>();

			final List<byte[]> decodeInputs = new ArrayList<>();

			@Override
			public synchronized byte[] encode(TestSession session) {
				byte[] bytes = CODEC.encode(session);
				encoded.add(bytes);
				return bytes;
			}

			@Override
			public synchronized TestSession decode(byte[] bytes) {
				decodeInputs.add(bytes);
				return CODEC.decode(bytes);
			}

		}

		@Test
		void replacedAndRemovedSessionsAreZeroed() {
			RecordingCodec codec = new RecordingCodec();
			FileSessionRepository<TestSession> repo = open(file, SECRET, codec);
			repo.save(PEER, session("a", 1));
			repo.save(PEER, session("a", 2));
			assertThat(codec.encoded.get(0)).as("replaced").containsOnly(0);
			assertThat(codec.encoded.get(1)).as("current").isNotEqualTo(new byte[codec.encoded.get(1).length]);
			repo.remove(PEER);
			assertThat(codec.encoded.get(1)).as("removed").containsOnly(0);
		}

		@Test
		void bytesGivenToTheCodecAreZeroedAfterUse() {
			RecordingCodec codec = new RecordingCodec();
			FileSessionRepository<TestSession> repo = open(file, SECRET, codec);
			repo.save(PEER, session("a", 1));
			assertThat(repo.get(PEER)).contains(session("a", 1));
			assertThat(repo.get(PEER)).contains(session("a", 1));
			assertThat(codec.decodeInputs).hasSize(2).allSatisfy(bytes -> assertThat(bytes).containsOnly(0));
		}

		@Test
		void aSessionThatFailedToBeWrittenIsZeroed() throws IOException {
			RecordingCodec codec = new RecordingCodec();
			Files.createDirectory(file);
			FileSessionRepository<TestSession> repo = open(file, SECRET, codec);
			assertThatThrownBy(() -> repo.save(PEER, session("a", 1))).isInstanceOf(IpcException.class);
			assertThat(codec.encoded).singleElement().satisfies(bytes -> assertThat(bytes).containsOnly(0));
		}

	}

	@Nested
	class Configuration {

		@Test
		void blankOrShortSecretsAreRejected() {
			for (String secret : new String[] { "", " ", "                ", "\t\n                  ", "short-secret",
					"fifteen chars!!" }) {
				assertThatIllegalArgumentException().isThrownBy(() -> open(file, secret))
					.withMessageContaining("at least 16 characters")
					.withMessageContaining("configure")
					.satisfies(ex -> {
						if (!secret.isBlank()) {
							assertThat(ex.getMessage()).doesNotContain(secret);
						}
					});
				assertThatIllegalArgumentException().isThrownBy(() -> new FileSessionRepository<>(file, secret, CODEC));
			}
			assertThat(open(file, "exactly 16 chars")).isNotNull();
		}

		@Test
		void nullArgumentsAreRejected() {
			assertThatThrownBy(() -> new FileSessionRepository<>(null, SECRET, CODEC))
				.isInstanceOf(NullPointerException.class);
			assertThatThrownBy(() -> new FileSessionRepository<>(file, null, CODEC))
				.isInstanceOf(NullPointerException.class);
			assertThatThrownBy(() -> new FileSessionRepository<TestSession>(file, SECRET, null))
				.isInstanceOf(NullPointerException.class);
			FileSessionRepository<TestSession> repo = open(file, SECRET);
			assertThatThrownBy(() -> repo.save(null, session("a", 1))).isInstanceOf(NullPointerException.class);
			assertThatThrownBy(() -> repo.save(PEER, null)).isInstanceOf(NullPointerException.class);
			assertThatThrownBy(() -> repo.get(null)).isInstanceOf(NullPointerException.class);
		}

		@Test
		void workFactorIsBounded() {
			var builder = FileSessionRepository.builder(file, SECRET, CODEC);
			assertThatIllegalArgumentException().isThrownBy(() -> builder.kdfIterations(999));
			assertThatIllegalArgumentException().isThrownBy(() -> builder.kdfIterations(10_000_001));
		}

		@Test
		void toStringHidesTheSecret() {
			FileSessionRepository<TestSession> repo = open(file, SECRET);
			repo.save(PEER, session("a", 1));
			assertThat(repo.toString()).contains("sessions.store")
				.contains("sessions=1")
				.doesNotContain(SECRET)
				.doesNotContain("horse");
			assertThat(FileSessionRepository.builder(file, SECRET, CODEC).toString()).doesNotContain(SECRET);
		}

	}

	// ---- helpers

	static String headerLine(Path file) throws IOException {
		byte[] bytes = Files.readAllBytes(file);
		int end = 0;
		while (bytes[end] != '\n') {
			end++;
		}
		return new String(bytes, 0, end, StandardCharsets.US_ASCII);
	}

	static byte[] concat(byte[] a, byte[] b) {
		byte[] result = Arrays.copyOf(a, a.length + b.length);
		System.arraycopy(b, 0, result, a.length, b.length);
		return result;
	}

	static void assumePosix() {
		assumeThat(FileSystems.posix()).as("POSIX file system").isTrue();
	}

	static final class FileSystems {

		static boolean posix() {
			return java.nio.file.FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
		}

	}

}
