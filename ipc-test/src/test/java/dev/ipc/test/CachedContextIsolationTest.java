package dev.ipc.test;

import dev.ipc.test.TestApplication.Greet;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A second cached context with the same endpoint names as {@link IpcTestClientTest}'s,
 * alive at the same time in the same JVM (the test context cache keeps both): each
 * context has a bus of its own, so neither sees "already connected" and each test client
 * reaches its own application.
 */
@SpringBootTest(classes = TestApplication.class)
@TestPropertySource(properties = "spring.application.name=second-context")
@AutoConfigureIpcTest
class CachedContextIsolationTest {

	@Autowired
	IpcTestClient ipc;

	@Test
	void aSecondContextWithTheSameNamesWorksBesideTheFirst() {
		assertThat(this.ipc.request(new Greet("grace")).text()).startsWith("hello grace");
	}

	@Test
	void theClientEndpointCanStandInForAnyPeer() {
		assertThat(this.ipc.endpoint().toString()).contains("test-client");
	}

}
