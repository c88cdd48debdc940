package dev.ipc.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.boot.health.autoconfigure.contributor.HealthContributorAutoConfiguration;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.ipc.client.IpcClient;
import dev.ipc.client.Subscription;
import dev.ipc.crypto.noise.AuthenticationPolicy;
import dev.ipc.crypto.noise.KnownPeers;
import dev.ipc.crypto.noise.NoiseCryptoProvider;
import dev.ipc.crypto.noise.PairingKeys;
import dev.ipc.crypto.noise.PeerAuthentication;
import dev.ipc.crypto.noise.StaticKeys;
import dev.ipc.model.Endpoint;
import dev.ipc.model.IncomingMessage;
import dev.ipc.model.OutgoingMessage;
import dev.ipc.spi.CryptoProvider;
import dev.ipc.spring.boot.autoconfigure.endpoint.IpcEndpoint;
import dev.ipc.spring.boot.autoconfigure.endpoint.IpcEndpointAutoConfiguration;
import dev.ipc.spring.boot.autoconfigure.health.IpcHealthContributorAutoConfiguration;
import dev.ipc.spring.boot.autoconfigure.health.IpcHealthIndicator;
import dev.ipc.transport.memory.InMemoryBus;

/**
 * {@code ipc.authentication.*}: the defaults per transport, the static key and
 * known-peers files, pairing keys, the health details and endpoint output, and the
 * startup error when the policy cannot be met.
 */
class IpcAuthenticationAutoConfigurationTest {

	private static final String SECRET = "ipc.authentication.secret=an at-rest secret for tests";

	private final InMemoryBus bus = new InMemoryBus();

	@TempDir
	Path dir;

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(
				AutoConfigurations.of(IpcAutoConfiguration.class, IpcHealthContributorAutoConfiguration.class,
						HealthContributorAutoConfiguration.class, IpcEndpointAutoConfiguration.class))
		.withPropertyValues("ipc.endpoint=vault", "ipc.transport.type=in-memory",
				"management.endpoints.web.exposure.include=ipc")
		.withBean(InMemoryBus.class, () -> this.bus);

	private static IpcProperties bind(Map<String, String> values) {
		return new Binder(new MapConfigurationPropertySource(values)).bindOrCreate("ipc", IpcProperties.class);
	}

	@Test
	void requiredIsTheDefaultOnlyForTransportsThatLeaveTheMachine() {
		assertThat(IpcAuthenticationSupport.defaultPolicy(bind(Map.of()))).isEqualTo(AuthenticationPolicy.NONE);
		assertThat(IpcAuthenticationSupport.defaultPolicy(bind(Map.of("ipc.transport.type", "in-memory"))))
			.isEqualTo(AuthenticationPolicy.NONE);
		assertThat(IpcAuthenticationSupport.defaultPolicy(bind(Map.of("ipc.transport.type", "tcp"))))
			.isEqualTo(AuthenticationPolicy.NONE);
		assertThat(IpcAuthenticationSupport
			.defaultPolicy(bind(Map.of("ipc.transport.type", "tcp", "ipc.transport.allow-non-loopback", "true"))))
			.isEqualTo(AuthenticationPolicy.REQUIRED);
		assertThat(IpcAuthenticationSupport.defaultPolicy(bind(Map.of("ipc.transport.type", "nats"))))
			.isEqualTo(AuthenticationPolicy.REQUIRED);
		assertThat(IpcAuthenticationSupport
			.defaultPolicy(bind(Map.of("ipc.transport.type", "nats", "ipc.authentication.policy", "optional"))))
			.isEqualTo(AuthenticationPolicy.OPTIONAL);
		assertThat(bind(Map.of("ipc.authentication.pairing-key", "secret-value")).authentication().toString())
			.doesNotContain("secret-value");
	}

	@Test
	void withoutAuthenticationTheProviderIsPlainNnAndTheHealthSaysSo() {
		this.contextRunner.run((context) -> {
			assertThat(((NoiseCryptoProvider) context.getBean(CryptoProvider.class)).authentication()).isEmpty();
			Health health = context.getBean(IpcHealthIndicator.class).health(true);
			assertThat(health.getDetails()).containsEntry("authentication", "none");
			assertThat(context.getBean(IpcEndpoint.class).ipc().authentication()).isNull();
		});
	}

	@Test
	void requiredWithAPairingKeyCreatesTheKeyFileAndShowsTheFingerprints() throws Exception {
		String code = PairingKeys.toCode(PairingKeys.generate());
		this.contextRunner
			.withPropertyValues("ipc.authentication.policy=required", SECRET,
					"ipc.authentication.key-file=" + this.dir.resolve("keys/static-keys"),
					"ipc.authentication.pairing-key=" + code, "ipc.authentication.endpoints.legacy=none")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				PeerAuthentication auth = ((NoiseCryptoProvider) context.getBean(CryptoProvider.class)).authentication()
					.orElseThrow();
				assertThat(auth.policyFor(Endpoint.named("worker"))).isEqualTo(AuthenticationPolicy.REQUIRED);
				assertThat(auth.policyFor(Endpoint.named("legacy"))).isEqualTo(AuthenticationPolicy.NONE);
				assertThat(auth.policyFor(Endpoint.DESKTOP_MAIN)).as("Bitwarden endpoints speak NN")
					.isEqualTo(AuthenticationPolicy.NONE);
				assertThat(auth.hasPairingKey()).isTrue();
				Path keyFile = this.dir.resolve("keys/static-keys");
				assertThat(keyFile).exists();
				assertThat(Files.getPosixFilePermissions(keyFile))
					.isEqualTo(PosixFilePermissions.fromString("rw-------"));
				assertThat(Files.readString(keyFile, java.nio.charset.StandardCharsets.ISO_8859_1))
					.startsWith("IPC-SESSION-STORE 1 ");

				Health health = context.getBean(IpcHealthIndicator.class).health(true);
				@SuppressWarnings("unchecked")
				Map<String, Object> details = (Map<String, Object>) health.getDetails().get("authentication");
				assertThat(details).containsEntry("policy", "required")
					.containsEntry("knownPeers", 0)
					.containsEntry("pairingKey", "configured")
					.containsEntry("staticKeys",
							Map.of("25519", auth.staticKeys().fingerprint(StaticKeys.Algorithm.X25519), "P256",
									auth.staticKeys().fingerprint(StaticKeys.Algorithm.P256)));
				assertThat(health.getDetails().toString()).doesNotContain(code).doesNotContain(code.replace("-", ""));

				IpcEndpoint.AuthenticationDescriptor described = context.getBean(IpcEndpoint.class)
					.ipc()
					.authentication();
				assertThat(described).isNotNull();
				assertThat(described.policy()).isEqualTo("required");
				assertThat(described.staticKeys()).containsEntry("P256",
						auth.staticKeys().fingerprint(StaticKeys.Algorithm.P256));
				assertThat(described.pairingKey()).isTrue();
				assertThat(described.knownPeers()).isEmpty();
			});
	}

	@Test
	void theEndpointListsKnownPeersAndTheKeysSurviveARestart() {
		Path keyFile = this.dir.resolve("static-keys");
		KnownPeers known = KnownPeers.open(this.dir.resolve("known-peers"));
		StaticKeys peer = StaticKeys.generate();
		known.add(Endpoint.named("worker"), StaticKeys.Algorithm.P256, peer.publicKey(StaticKeys.Algorithm.P256));
		ApplicationContextRunner runner = this.contextRunner.withPropertyValues("ipc.authentication.policy=required",
				SECRET, "ipc.authentication.key-file=" + keyFile);
		String[] first = new String[1];
		runner.run((context) -> {
			IpcEndpoint.AuthenticationDescriptor described = context.getBean(IpcEndpoint.class).ipc().authentication();
			assertThat(described.knownPeers()).singleElement()
				.satisfies((entry) -> assertThat(entry.endpoint()).isEqualTo("worker"))
				.satisfies((entry) -> assertThat(entry.fingerprint())
					.isEqualTo(peer.fingerprint(StaticKeys.Algorithm.P256)));
			first[0] = described.staticKeys().get("P256");
		});
		runner.run((context) -> assertThat(context.getBean(IpcEndpoint.class).ipc().authentication().staticKeys())
			.containsEntry("P256", first[0]));
	}

	@Test
	void twoApplicationsPairOverTheBusThenTheHandlerSeesTheKkIdentity() {
		String code = PairingKeys.toCode(PairingKeys.generate());
		ApplicationContextRunner vault = this.contextRunner.withPropertyValues("ipc.endpoint=vault",
				"ipc.authentication.policy=required", SECRET,
				"ipc.authentication.key-file=" + this.dir.resolve("vault/static-keys"),
				"ipc.authentication.pairing-key=" + code);
		ApplicationContextRunner worker = this.contextRunner.withPropertyValues("ipc.endpoint=worker",
				"ipc.authentication.policy=required", SECRET,
				"ipc.authentication.key-file=" + this.dir.resolve("worker/static-keys"),
				"ipc.authentication.pairing-key=" + code);
		vault.run((v) -> worker.run((w) -> {
			IpcClient vaultClient = v.getBean(IpcClient.class);
			IpcClient workerClient = w.getBean(IpcClient.class);
			try (Subscription inbox = workerClient.subscribe("t")) {
				vaultClient.send(new OutgoingMessage("paired".getBytes(java.nio.charset.StandardCharsets.UTF_8),
						Endpoint.named("worker"), "t"));
				IncomingMessage got = inbox.receive(java.time.Duration.ofSeconds(10));
				assertThat(got).isNotNull();
				NoiseCryptoProvider workerCrypto = (NoiseCryptoProvider) w.getBean(CryptoProvider.class);
				assertThat(workerCrypto.peerIdentity(got.source().toEndpoint())).get()
					.satisfies((id) -> assertThat(id.pattern()).isEqualTo(dev.ipc.crypto.noise.NoisePattern.NNpsk2));
				@SuppressWarnings("unchecked")
				Map<String, Object> details = (Map<String, Object>) w.getBean(IpcHealthIndicator.class)
					.health(true)
					.getDetails()
					.get("authentication");
				assertThat(details).containsEntry("knownPeers", 2); // vault's X25519 and
																	// P-256 keys
				assertThat(v.getBean(IpcEndpoint.class).ipc().authentication().knownPeers())
					.extracting(IpcEndpoint.KnownPeerDescriptor::endpoint)
					.containsExactly("worker", "worker");
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new AssertionError(ex);
			}
		}));
	}

	@Test
	void trustOnFirstUsePinsEachOthersKeysAtFirstContact() {
		ApplicationContextRunner vault = this.contextRunner.withPropertyValues("ipc.endpoint=vault",
				"ipc.authentication.policy=optional", "ipc.authentication.trust-on-first-use=true", SECRET,
				"ipc.authentication.key-file=" + this.dir.resolve("vault/static-keys"));
		ApplicationContextRunner worker = this.contextRunner.withPropertyValues("ipc.endpoint=worker",
				"ipc.authentication.policy=optional", "ipc.authentication.trust-on-first-use=true", SECRET,
				"ipc.authentication.key-file=" + this.dir.resolve("worker/static-keys"));
		vault.run((v) -> worker.run((w) -> {
			IpcClient vaultClient = v.getBean(IpcClient.class);
			IpcClient workerClient = w.getBean(IpcClient.class);
			try (Subscription inbox = workerClient.subscribe("t")) {
				vaultClient.send(new OutgoingMessage("hello".getBytes(java.nio.charset.StandardCharsets.UTF_8),
						Endpoint.named("worker"), "t"));
				assertThat(inbox.receive(java.time.Duration.ofSeconds(10))).isNotNull();
				org.awaitility.Awaitility.await()
					.atMost(java.time.Duration.ofSeconds(10))
					.untilAsserted(() -> assertThat(v.getBean(IpcEndpoint.class).ipc().authentication().knownPeers())
						.extracting(IpcEndpoint.KnownPeerDescriptor::endpoint)
						.containsExactly("worker", "worker"));
				assertThat(w.getBean(IpcEndpoint.class).ipc().authentication().knownPeers())
					.extracting(IpcEndpoint.KnownPeerDescriptor::endpoint)
					.containsExactly("vault", "vault");
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new AssertionError(ex);
			}
		}));
	}

	@Test
	void requiredWithoutAKnownPeerOrAPairingKeyFailsStartupSayingWhatToChange() {
		this.contextRunner
			.withPropertyValues("ipc.authentication.policy=required", SECRET,
					"ipc.authentication.key-file=" + this.dir.resolve("static-keys"))
			.run((context) -> {
				assertThat(context).hasFailed();
				Throwable failure = context.getStartupFailure();
				while (!(failure instanceof IpcConfigurationException) && failure.getCause() != null) {
					failure = failure.getCause();
				}
				assertThat(failure).isInstanceOf(IpcConfigurationException.class);
				IpcConfigurationException ex = (IpcConfigurationException) failure;
				assertThat(ex.getProperty()).isEqualTo("ipc.authentication.policy");
				assertThat(ex.getDescription()).contains("no peer is known").contains("no pairing key");
				assertThat(ex.getMessage()).contains("ipc.authentication.pairing-key")
					.contains("ipc.authentication.policy=optional");
			});
	}

	@Test
	void aMissingSecretOrKeyFileIsNamed() {
		this.contextRunner.withPropertyValues("ipc.authentication.policy=optional")
			.run((context) -> assertThat(rootMessage(context.getStartupFailure()))
				.contains("ipc.authentication.key-file"));
		this.contextRunner
			.withPropertyValues("ipc.authentication.policy=optional",
					"ipc.authentication.key-file=" + this.dir.resolve("k"))
			.run((context) -> assertThat(rootMessage(context.getStartupFailure()))
				.contains("ipc.authentication.secret"));
	}

	@Test
	void aPairingKeyFileMustBeOwnerOnly() throws Exception {
		Path file = this.dir.resolve("pairing");
		PairingKeys.writeFile(file, PairingKeys.generate());
		Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
		this.contextRunner
			.withPropertyValues("ipc.authentication.policy=required", SECRET,
					"ipc.authentication.key-file=" + this.dir.resolve("static-keys"),
					"ipc.authentication.pairing-key-file=" + file)
			.run((context) -> assertThat(rootMessage(context.getStartupFailure())).contains("chmod 600"));
	}

	private static String rootMessage(Throwable failure) {
		assertThat(failure).isNotNull();
		StringBuilder all = new StringBuilder();
		for (Throwable t = failure; t != null; t = t.getCause()) {
			all.append(t.getMessage()).append('\n');
		}
		return all.toString();
	}

}
