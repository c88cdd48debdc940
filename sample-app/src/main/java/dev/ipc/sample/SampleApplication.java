package dev.ipc.sample;

import java.util.Arrays;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The sample: a {@code vault} host and a {@code worker} peer. Run one role per process
 * with {@code --spring.profiles.active=vault} or {@code worker}, or both as two processes
 * with the {@code demo} argument (see {@link DemoLauncher}).
 */
@SpringBootApplication
public class SampleApplication {

	public static void main(String[] args) throws Exception {
		if (Arrays.asList(args).contains(DemoLauncher.DEMO)) {
			DemoLauncher.main(args);
			return;
		}
		SpringApplication.run(SampleApplication.class, args);
	}

}
