package dev.ipc.crypto.noise;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ipc.session.FileSessionRepository;
import dev.ipc.session.SealedFile;

/**
 * The static key pairs of one process, one per Diffie-Hellman function (X25519 and
 * P-256): its long-term identity in the authenticated Noise patterns (KK, and the keys
 * exchanged when pairing). Peers pin the public keys in their {@link KnownPeers}.
 *
 * <p>
 * {@link #loadOrCreate(Path, CharSequence)} keeps them in a file sealed like the durable
 * session store ({@link SealedFile}: PBKDF2 key from a configured secret, AES-256-GCM,
 * atomic owner-only writes); the keys are generated on first start. A file that exists
 * but does not open (wrong secret, damaged) fails loudly: a new identity would make every
 * paired peer refuse this process. {@link #toString()} shows fingerprints only. Immutable
 * and thread-safe.
 */
public final class StaticKeys {

	private static final Logger log = LoggerFactory.getLogger(StaticKeys.class);

	private static final String MAGIC = "IPC-STATIC-KEYS 1";

	/** The Diffie-Hellman function a static key is for. */
	public enum Algorithm {

		/** X25519: 32-byte keys, for the two 25519 suites. */
		X25519("25519"),

		/** NIST P-256: 65-byte uncompressed SEC1 keys, for the P-256 suite. */
		P256("P256");

		private final String noiseName;

		Algorithm(String noiseName) {
			this.noiseName = noiseName;
		}

		/** The name in Noise protocol names and in the known-peers file. */
		public String noiseName() {
			return noiseName;
		}

		/** The algorithm of a suite's DH. */
		public static Algorithm of(NoiseSuite suite) {
			return suite == NoiseSuite.P256_AESGCM_SHA256 ? P256 : X25519;
		}

		/**
		 * Looks an algorithm up by {@link #noiseName()}.
		 * @throws IllegalArgumentException if unknown
		 */
		public static Algorithm fromNoiseName(String name) {
			for (Algorithm algorithm : values()) {
				if (algorithm.noiseName.equals(name)) {
					return algorithm;
				}
			}
			throw new IllegalArgumentException("unknown static key algorithm (expected 25519 or P256)");
		}

		Dh dh() {
			return this == P256 ? P256Dh.INSTANCE : X25519Dh.INSTANCE;
		}

		String keyFactoryName() {
			return this == P256 ? "EC" : "XDH";
		}

	}

	private final Map<Algorithm, Dh.KeyPair> pairs;

	/**
	 * The fingerprints, computed once: the health indicator and the endpoint ask on every
	 * call.
	 */
	private final Map<Algorithm, String> fingerprints = new EnumMap<>(Algorithm.class);

	private StaticKeys(Map<Algorithm, Dh.KeyPair> pairs) {
		this.pairs = pairs;
		pairs.forEach((algorithm, pair) -> this.fingerprints.put(algorithm, fingerprint(pair.publicKey())));
	}

	/** Fresh key pairs, kept in memory only. */
	public static StaticKeys generate() {
		Map<Algorithm, Dh.KeyPair> pairs = new EnumMap<>(Algorithm.class);
		for (Algorithm algorithm : Algorithm.values()) {
			pairs.put(algorithm, algorithm.dh().generateKeyPair());
		}
		return new StaticKeys(pairs);
	}

	/**
	 * The keys in {@code file}, generated and written there first if it does not exist,
	 * with {@link FileSessionRepository#DEFAULT_KDF_ITERATIONS}.
	 * @throws IllegalStateException if the file exists but cannot be opened with
	 * {@code secret} or parsed, or cannot be written
	 * @throws IllegalArgumentException if the secret is too short
	 */
	public static StaticKeys loadOrCreate(Path file, CharSequence secret) {
		return loadOrCreate(file, secret, FileSessionRepository.DEFAULT_KDF_ITERATIONS);
	}

	/**
	 * As {@link #loadOrCreate(Path, CharSequence)}, with {@code iterations} for a file
	 * this call creates (lower only for tests or a long random secret).
	 */
	public static StaticKeys loadOrCreate(Path file, CharSequence secret, int iterations) {
		Optional<byte[]> existing = SealedFile.read(file, secret);
		if (existing.isPresent()) {
			byte[] plain = existing.get();
			try {
				return decode(plain);
			}
			catch (IllegalArgumentException ex) {
				throw new IllegalStateException("The static key file " + file + " is not valid: " + ex.getMessage());
			}
			finally {
				Arrays.fill(plain, (byte) 0);
			}
		}
		StaticKeys keys = generate();
		byte[] plain = keys.encode();
		try {
			SealedFile.write(file, secret, iterations, plain);
		}
		finally {
			Arrays.fill(plain, (byte) 0);
		}
		log.info("Generated the static keys of this process in {} ({})", file, keys);
		return keys;
	}

	/** The public key for {@code algorithm}, in Noise wire encoding. */
	public byte[] publicKey(Algorithm algorithm) {
		return pairs.get(algorithm).publicKey().clone();
	}

	/**
	 * The fingerprint of the public key for {@code algorithm}:
	 * {@code SHA256:<base64 of SHA-256(public key), unpadded>}, as SSH shows host keys.
	 */
	public String fingerprint(Algorithm algorithm) {
		return fingerprints.get(algorithm);
	}

	/** The fingerprint of any public key in wire encoding (see {@link #fingerprint}). */
	public static String fingerprint(byte[] publicKey) {
		return "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(Sha256Hash.INSTANCE.hash(publicKey));
	}

	/** The key pair for a suite's DH. */
	Dh.KeyPair keyPair(NoiseSuite suite) {
		return pairs.get(Algorithm.of(suite));
	}

	/** The plaintext form kept in the sealed file. */
	byte[] encode() {
		StringBuilder out = new StringBuilder(MAGIC).append('\n');
		Base64.Encoder b64 = Base64.getEncoder();
		for (Map.Entry<Algorithm, Dh.KeyPair> entry : pairs.entrySet()) {
			out.append(entry.getKey().noiseName())
				.append(' ')
				.append(b64.encodeToString(entry.getValue().privateKey().getEncoded()))
				.append(' ')
				.append(b64.encodeToString(entry.getValue().publicKey()))
				.append('\n');
		}
		return out.toString().getBytes(StandardCharsets.US_ASCII);
	}

	static StaticKeys decode(byte[] plain) {
		String[] lines = new String(plain, StandardCharsets.US_ASCII).split("\n");
		if (lines.length == 0 || !MAGIC.equals(lines[0])) {
			throw new IllegalArgumentException("no " + MAGIC + " header");
		}
		Map<Algorithm, Dh.KeyPair> pairs = new EnumMap<>(Algorithm.class);
		for (int i = 1; i < lines.length; i++) {
			String[] parts = lines[i].split(" ");
			if (parts.length != 3) {
				throw new IllegalArgumentException("malformed key line " + i);
			}
			Algorithm algorithm = Algorithm.fromNoiseName(parts[0]);
			try {
				PrivateKey privateKey = KeyFactory.getInstance(algorithm.keyFactoryName())
					.generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(parts[1])));
				byte[] publicKey = Base64.getDecoder().decode(parts[2]);
				algorithm.dh().decodePublicKey(publicKey);
				pairs.put(algorithm, new Dh.KeyPair(privateKey, publicKey));
			}
			catch (GeneralSecurityException | NoiseProtocolException | IllegalArgumentException ex) {
				throw new IllegalArgumentException("invalid " + algorithm.noiseName() + " key");
			}
		}
		for (Algorithm algorithm : Algorithm.values()) {
			if (!pairs.containsKey(algorithm)) {
				throw new IllegalArgumentException("no " + algorithm.noiseName() + " key");
			}
		}
		return new StaticKeys(pairs);
	}

	@Override
	public boolean equals(Object other) {
		return other instanceof StaticKeys that
				&& Arrays.equals(publicKey(Algorithm.X25519), that.publicKey(Algorithm.X25519))
				&& Arrays.equals(publicKey(Algorithm.P256), that.publicKey(Algorithm.P256));
	}

	@Override
	public int hashCode() {
		return Objects.hash(Arrays.hashCode(pairs.get(Algorithm.X25519).publicKey()));
	}

	@Override
	public String toString() {
		return "StaticKeys[25519 " + fingerprint(Algorithm.X25519) + ", P256 " + fingerprint(Algorithm.P256) + "]";
	}

}
