package dev.ipc.sample.worker;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Profile;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

import dev.ipc.client.IpcClient;
import dev.ipc.model.Endpoint;
import dev.ipc.sample.api.Credential;
import dev.ipc.sample.api.FetchCredential;
import dev.ipc.sample.api.JobCompleted;

/**
 * The peer side: every interval, asks the vault for a credential (RPC), "syncs" with it,
 * and reports the job (publish). When the vault is not reachable yet, it tries again next
 * round.
 */
@Component
@Profile("worker")
public class SyncWorker {

	private static final Logger log = LoggerFactory.getLogger(SyncWorker.class);

	private final IpcClient ipc;

	private final Endpoint vault;

	private final ReentrantLock lock = new ReentrantLock();

	private final Condition roundCompleted = this.lock.newCondition();

	private int rounds;

	public SyncWorker(IpcClient ipc, @Value("${sample.worker.vault-endpoint}") String vault) {
		this.ipc = ipc;
		this.vault = Endpoint.named(vault);
	}

	@Scheduled(fixedDelayString = "${sample.worker.interval}", initialDelayString = "${sample.worker.initial-delay}")
	public void syncRound() {
		long start = System.nanoTime();
		String jobId = "job-" + (completedRounds() + 1);
		try {
			Credential credential = this.ipc.request(new FetchCredential("sync-account"), this.vault)
				.get(5, TimeUnit.SECONDS);
			log.info("Worker: {} got {} from the vault", jobId, credential);
			int items = 10 + jobId.length();
			long millis = Duration.ofNanos(System.nanoTime() - start).toMillis();
			this.ipc.send(new JobCompleted(jobId, items, millis), this.vault);
			completeRound();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		catch (Exception ex) {
			log.warn("Worker: {} failed, trying again next round: {}", jobId, ex.toString());
		}
	}

	private void completeRound() {
		this.lock.lock();
		try {
			this.rounds++;
			this.roundCompleted.signalAll();
		}
		finally {
			this.lock.unlock();
		}
	}

	/** Rounds completed so far. */
	public int completedRounds() {
		this.lock.lock();
		try {
			return this.rounds;
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Waits until {@code count} rounds completed.
	 * @return whether they did within {@code timeout}
	 */
	public boolean awaitRounds(int count, Duration timeout) throws InterruptedException {
		long deadline = System.nanoTime() + timeout.toNanos();
		this.lock.lock();
		try {
			while (this.rounds < count) {
				long remaining = deadline - System.nanoTime();
				if (remaining <= 0) {
					return false;
				}
				this.roundCompleted.await(remaining, TimeUnit.NANOSECONDS);
			}
			return true;
		}
		finally {
			this.lock.unlock();
		}
	}

}
