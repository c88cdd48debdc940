package dev.ipc.sample;

import java.time.Duration;
import java.util.Arrays;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.boot.Banner;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;

import dev.ipc.sample.vault.VaultService;
import dev.ipc.sample.worker.SyncWorker;
import dev.ipc.transport.memory.InMemoryBus;

/**
 * Runs the vault and the worker in one JVM: a parent context holds the {@link InMemoryBus}, and each role is a child
 * application (profiles {@code vault,demo} on port 8081 and {@code worker,demo} on port 8082) that finds the bus in
 * its parent. The {@code demo} profile switches both to the in-memory transport without encryption.
 *
 * <p>With {@code --sample.demo.rounds=N} it stops after N rounds and exits; otherwise it runs until stopped.
 *
 * <p>Once the Unix socket transport and the Noise provider are merged, the demo becomes two processes:
 * {@code java -jar sample-app.jar --spring.profiles.active=vault} and {@code ... =worker}.
 */
public final class DemoLauncher {

	/** The program argument that selects the demo. */
	public static final String DEMO = "demo";

	private static final Logger log = LoggerFactory.getLogger(DemoLauncher.class);

	private DemoLauncher() {
	}

	public static void main(String[] args) throws Exception {
		String[] springArgs = Arrays.stream(args).filter((arg) -> !DEMO.equals(arg)).toArray(String[]::new);
		ConfigurableApplicationContext bus = new SpringApplicationBuilder(SharedBus.class)
			.web(WebApplicationType.NONE)
			.bannerMode(Banner.Mode.OFF)
			.logStartupInfo(false)
			.run(springArgs);
		ConfigurableApplicationContext vault = new SpringApplicationBuilder(SampleApplication.class).parent(bus)
			.main(SampleApplication.class)
			.profiles("vault", DEMO)
			.run(springArgs);
		ConfigurableApplicationContext worker = new SpringApplicationBuilder(SampleApplication.class).parent(bus)
			.main(SampleApplication.class)
			.profiles("worker", DEMO)
			.bannerMode(Banner.Mode.OFF)
			.run(springArgs);
		int rounds = worker.getEnvironment().getProperty("sample.demo.rounds", Integer.class, 0);
		log.info("Demo running: vault on http://localhost:{}/actuator, worker on http://localhost:{}/actuator",
				vault.getEnvironment().getProperty("local.server.port"),
				worker.getEnvironment().getProperty("local.server.port"));
		if (rounds > 0) {
			boolean done = worker.getBean(SyncWorker.class).awaitRounds(rounds, Duration.ofMinutes(2))
					&& vault.getBean(VaultService.class).awaitJobs(rounds, Duration.ofSeconds(30));
			log.info("Demo {} after {} round(s): the vault saw {} job(s) and served {} credential(s)",
					done ? "finished" : "timed out", worker.getBean(SyncWorker.class).completedRounds(),
					vault.getBean(VaultService.class).jobsReported(), vault.getBean(VaultService.class).credentialsServed());
			worker.close();
			vault.close();
			bus.close();
			System.exit(done ? 0 : 1);
		}
	}

	/**
	 * The parent context of the demo: the bus both roles connect to. Deliberately not a {@code @Configuration}, so
	 * that component scanning does not give each role a bus of its own.
	 */
	static class SharedBus {

		@Bean
		InMemoryBus ipcInMemoryBus() {
			return new InMemoryBus();
		}

	}

}
