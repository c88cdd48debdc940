package dev.ipc.test;

import dev.ipc.model.Endpoint;
import dev.ipc.test.TestApplication.Greet;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The test client under the name of the peer it stands in for (a handler's source filter
 * sees that name).
 */
@SpringBootTest(classes = TestApplication.class)
@AutoConfigureIpcTest(clientEndpoint = "worker", timeout = "5s")
class RenamedTestClientTest {

	@Autowired
	IpcTestClient ipc;

	@Test
	void usesTheAnnotationsAttributes() {
		assertThat(this.ipc.endpoint()).isEqualTo(Endpoint.named("worker"));
		assertThat(this.ipc.timeout()).hasSeconds(5);
		assertThat(this.ipc.request(new Greet("bob")).text()).contains("name=worker");
	}

}
