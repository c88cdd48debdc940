package dev.ipc.sample;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.Banner;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.client.RestClient;

import dev.ipc.sample.vault.VaultService;
import dev.ipc.sample.worker.SyncWorker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The sample's scenario in CI, configured as in {@code application.yml}: the vault (this
 * test's application, the Unix-socket host) and the worker (a second application, a peer)
 * talk over the encrypted Unix socket, and the vault's actuator shows it.
 * {@link DemoLauncherTest} runs the same scenario as two processes.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ActiveProfiles("vault")
class VaultWorkerScenarioTest {

	private static final Path SOCKET = socketPath();

	private static ConfigurableApplicationContext worker;

	@Autowired
	private VaultService vault;

	@Autowired
	private MeterRegistry meterRegistry;

	@Value("${local.server.port}")
	private int port;

	@BeforeAll
	static void startWorker() {
		worker = new SpringApplicationBuilder(SampleApplication.class).profiles("worker")
			.web(WebApplicationType.NONE)
			.bannerMode(Banner.Mode.OFF)
			.run("--sample.worker.interval=100ms", "--sample.worker.initial-delay=0ms",
					"--ipc.transport.path=" + SOCKET);
	}

	@DynamicPropertySource
	static void socket(DynamicPropertyRegistry registry) {
		registry.add("ipc.transport.path", SOCKET::toString);
	}

	private static Path socketPath() {
		try {
			return Files.createTempDirectory("ipc-sample-test-").resolve("ipc.sock");
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	@AfterAll
	static void stopWorker() {
		if (worker != null) {
			worker.close();
		}
	}

	@Test
	void workerReportsJobsAndFetchesCredentials() throws Exception {
		assertThat(worker.getBean(SyncWorker.class).awaitRounds(3, java.time.Duration.ofSeconds(20))).isTrue();
		await().atMost(10, TimeUnit.SECONDS).until(() -> this.vault.jobsReported() >= 3);
		assertThat(this.vault.credentialsServed()).isGreaterThanOrEqualTo(3);
	}

	@Test
	void actuatorShowsTheConversation() {
		await().atMost(20, TimeUnit.SECONDS).until(() -> this.vault.jobsReported() >= 1);
		RestClient http = RestClient.create("http://localhost:" + this.port + "/actuator");
		String health = http.get().uri("/health/ipc").retrieve().body(String.class);
		assertThat(health).contains("\"status\":\"UP\"")
			.contains("\"endpoint\":\"vault\"")
			.contains("\"worker\"")
			.contains("vault.fetch-credential");
		String ipc = http.get().uri("/ipc").retrieve().body(String.class);
		assertThat(ipc).contains("dev.ipc.sample.vault.VaultService.fetch(FetchCredential, Source)")
			.contains("\"topic\":\"vault.job-completed\"")
			.doesNotContain("s3cr3t");
		String metric = http.get()
			.uri("/metrics/ipc.rpc.server?tag=request:vault.fetch-credential&tag=outcome:SUCCESS")
			.retrieve()
			.body(String.class);
		assertThat(metric).contains("\"name\":\"ipc.rpc.server\"");
		assertThat(
				this.meterRegistry.get("ipc.messages.received").tag("topic", "vault.job-completed").counter().count())
			.isGreaterThanOrEqualTo(1);
	}

}
