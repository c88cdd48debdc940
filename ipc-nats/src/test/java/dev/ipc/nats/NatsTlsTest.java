package dev.ipc.nats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ipc.model.IncomingMessage;
import dev.ipc.model.OutgoingMessage;
import dev.ipc.spi.BackendReceiver;

/**
 * TLS to the server: a server requiring TLS with a certificate made for the test, trusted
 * through an SSLContext.
 */
class NatsTlsTest {

	@TempDir
	Path dir;

	@Test
	void endpointsTalkOverTlsAndAPlainClientIsRefused() throws Exception {
		Path keystore = dir.resolve("server.p12");
		char[] password = "changeit".toCharArray();
		Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
				"-genkeypair", "-alias", "nats", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
				"-ext", "san=ip:127.0.0.1,dns:localhost", "-validity", "2", "-storetype", "PKCS12", "-keystore",
				keystore.toString(), "-storepass", new String(password))
			.redirectErrorStream(true)
			.start();
		assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).isTrue();
		assertThat(keytool.exitValue()).as(new String(keytool.getInputStream().readAllBytes())).isZero();
		KeyStore store = KeyStore.getInstance("PKCS12");
		try (InputStream in = Files.newInputStream(keystore)) {
			store.load(in, password);
		}
		Certificate certificate = store.getCertificate("nats");
		PrivateKey key = (PrivateKey) store.getKey("nats", password);
		Path certFile = dir.resolve("server-cert.pem");
		Path keyFile = dir.resolve("server-key.pem");
		Files.writeString(certFile, pem("CERTIFICATE", certificate.getEncoded()));
		Files.writeString(keyFile, pem("PRIVATE KEY", key.getEncoded()));

		NatsServer server = NatsServer.start(dir, "tls {\n  cert_file: \"" + certFile + "\"\n  key_file: \"" + keyFile
				+ "\"\n}\n" + NatsFixtures.authorization());
		try {
			KeyStore trust = KeyStore.getInstance("PKCS12");
			trust.load(null, null);
			trust.setCertificateEntry("nats", certificate);
			TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
			factory.init(trust);
			SSLContext context = SSLContext.getInstance("TLS");
			context.init(null, factory.getTrustManagers(), null);

			try (NatsTransport vault = NatsTransport
				.open(NatsFixtures.options("vault", server.url()).sslContext(context).build());
					BackendReceiver receiver = vault.subscribe();
					NatsTransport worker = NatsTransport
						.open(NatsFixtures.options("worker", server.url()).sslContext(context).build())) {
				worker.subscribe().close();
				await().atMost(Duration.ofSeconds(20))
					.until(() -> worker.reachableEndpoints().contains(NatsFixtures.VAULT));
				worker.send(new OutgoingMessage("over tls".getBytes(StandardCharsets.UTF_8), NatsFixtures.VAULT, null));
				IncomingMessage message = receiver.receive(Duration.ofSeconds(30));
				assertThat(message).isNotNull();
				assertThat(new String(message.payload(), StandardCharsets.UTF_8)).isEqualTo("over tls");
			}
			assertThatThrownBy(() -> NatsTransport
				.open(NatsFixtures.options("vault", server.url()).connectionTimeout(Duration.ofSeconds(1)).build()))
				.isInstanceOf(IOException.class);
		}
		finally {
			server.close();
		}
	}

	private static String pem(String type, byte[] der) {
		return "-----BEGIN " + type + "-----\n"
				+ Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
				+ "\n-----END " + type + "-----\n";
	}

}
