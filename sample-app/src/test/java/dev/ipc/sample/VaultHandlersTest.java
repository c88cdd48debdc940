package dev.ipc.sample;

import java.time.Duration;

import dev.ipc.rpc.RpcRemoteException;
import dev.ipc.sample.api.Credential;
import dev.ipc.sample.api.FetchCredential;
import dev.ipc.sample.api.JobCompleted;
import dev.ipc.sample.vault.VaultService;
import dev.ipc.test.AutoConfigureIpcTest;
import dev.ipc.test.IpcTestClient;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.ActiveProfiles;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The vault's handlers, tested in one JVM without a socket: the test client stands in for
 * the worker (the only endpoint the vault answers). This is the example of the README's
 * "Testing your handlers".
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE)
@ActiveProfiles("vault")
@AutoConfigureIpcTest(clientEndpoint = "worker")
class VaultHandlersTest {

	@Autowired
	IpcTestClient worker;

	@Autowired
	VaultService vault;

	@Test
	void servesACredentialToTheWorker() {
		Credential credential = this.worker.request(new FetchCredential("sync-account"));
		assertThat(credential.username()).isEqualTo("sync@example.org");
	}

	@Test
	void saysWhenThereIsNoSuchCredential() {
		assertThatThrownBy(() -> this.worker.request(new FetchCredential("nobody")))
			.isInstanceOf(RpcRemoteException.class)
			.hasMessageContaining("No credential named 'nobody'");
	}

	@Test
	void countsTheJobsTheWorkerReports() throws InterruptedException {
		int before = this.vault.jobsReported();
		this.worker.send(new JobCompleted("job-1", 15, 120));
		assertThat(this.vault.awaitJobs(before + 1, Duration.ofSeconds(10))).isTrue();
	}

}
