package dev.ipc.sample;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keeps the README's first command true: the demo starts a vault and a worker as two real
 * processes that talk over the encrypted Unix socket, completes its rounds and exits 0.
 */
class DemoLauncherTest {

	@Test
	void demoRunsTwoProcessesThatTalk() throws IOException, InterruptedException {
		String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
		Process demo = new ProcessBuilder(
				List.of(java, "-cp", System.getProperty("java.class.path"), SampleApplication.class.getName(), "demo",
						"--sample.demo.rounds=2", "--server.port=0", "--sample.worker.interval=200ms"))
			.redirectErrorStream(true)
			.start();
		try {
			// a hang guard only: the demo's own limits (5 min to the first round, 2 min
			// per later round) end it first
			assertThat(demo.waitFor(10, TimeUnit.MINUTES)).as("the demo ends by itself").isTrue();
			String output = new String(demo.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
			assertThat(demo.exitValue()).as(output).isZero();
			assertThat(output).contains("[vault]", "[worker]", "hosts unix:", "connected to host Named[name=vault]")
				.contains("Worker: job-2 got Credential")
				.contains("Demo: finished after 2 round(s)");
		}
		finally {
			demo.destroyForcibly();
		}
	}

}
