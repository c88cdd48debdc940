package dev.ipc.nativemessaging.browser;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * The unpacked test extension, assembled in a temporary directory: a Manifest V3 manifest
 * with a fresh public key (so its id, hence its origin, is known before Chromium loads
 * it), the service worker from {@code src/test/extension}, and the Bitwarden SDK's web
 * build from this module's {@code node_modules}.
 */
final class TestExtension {

	static final Path SOURCES = Path.of("src/test/extension");

	static final Path SDK = Path.of("node_modules/@bitwarden/sdk-internal");

	/** The SDK's web entry point, its bindings and its WebAssembly module. */
	private static final String[] SDK_FILES = { "index.js", "bitwarden_wasm_internal_bg.js",
			"bitwarden_wasm_internal_bg.wasm", "package.json" };

	private final Path directory;

	private final String id;

	private TestExtension(Path directory, String id) {
		this.directory = directory;
		this.id = id;
	}

	/**
	 * Builds the extension in {@code directory}; fails with what to run when the SDK is
	 * not installed.
	 */
	static TestExtension create(Path directory) throws IOException, NoSuchAlgorithmException {
		if (!Files.isRegularFile(SDK.resolve("bitwarden_wasm_internal_bg.wasm"))) {
			throw new IllegalStateException("The Bitwarden SDK is not installed in " + SDK.toAbsolutePath()
					+ ": run `npm ci` in ipc-native-messaging (the Maven build does it unless -Dnative.npm.skip=true)");
		}
		KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
		generator.initialize(2048);
		byte[] publicKey = generator.generateKeyPair().getPublic().getEncoded();
		String id = extensionId(publicKey);
		Files.createDirectories(directory.resolve("sdk"));
		for (String file : SDK_FILES) {
			Files.copy(SDK.resolve(file), directory.resolve("sdk").resolve(file));
		}
		Files.copy(SOURCES.resolve("sw.js"), directory.resolve("sw.js"));
		Files.writeString(directory.resolve("manifest.json"), """
				{
				  "manifest_version": 3,
				  "name": "dev.ipc native messaging test",
				  "version": "1.0",
				  "key": "%s",
				  "permissions": ["nativeMessaging"],
				  "content_security_policy": {
				    "extension_pages": "script-src 'self' 'wasm-unsafe-eval'; object-src 'self'"
				  },
				  "background": { "service_worker": "sw.js", "type": "module" }
				}
				""".formatted(Base64.getEncoder().encodeToString(publicKey)), StandardCharsets.UTF_8);
		return new TestExtension(directory, id);
	}

	/**
	 * Chromium's extension id for a public key: the first 128 bits of its SHA-256, each
	 * hex digit mapped to a-p.
	 */
	static String extensionId(byte[] publicKey) throws NoSuchAlgorithmException {
		byte[] hash = MessageDigest.getInstance("SHA-256").digest(publicKey);
		StringBuilder id = new StringBuilder(32);
		for (int i = 0; i < 16; i++) {
			id.append((char) ('a' + ((hash[i] >> 4) & 0xF))).append((char) ('a' + (hash[i] & 0xF)));
		}
		return id.toString();
	}

	Path directory() {
		return directory;
	}

	String origin() {
		return "chrome-extension://" + id + "/";
	}

}
