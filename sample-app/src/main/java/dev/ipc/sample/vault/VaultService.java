package dev.ipc.sample.vault;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import jakarta.validation.Valid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.annotation.Profile;
import org.springframework.stereotype.Service;

import dev.ipc.model.Source;
import dev.ipc.rpc.RpcHandlerException;
import dev.ipc.sample.api.Credential;
import dev.ipc.sample.api.FetchCredential;
import dev.ipc.sample.api.JobCompleted;
import dev.ipc.spring.annotation.IpcRpcHandler;
import dev.ipc.spring.annotation.IpcSubscriber;

/**
 * The host side: answers credential requests from the worker (and only from it, running
 * as the same OS user), and follows the jobs the worker reports.
 */
@Service
@Profile("vault")
public class VaultService {

	private static final Logger log = LoggerFactory.getLogger(VaultService.class);

	private final Map<String, Credential> credentials = Map.of("sync-account",
			new Credential("sync-account", "sync@example.org", "s3cr3t-t0k3n"));

	private final ReentrantLock lock = new ReentrantLock();

	private final Condition jobReported = this.lock.newCondition();

	private int jobsReported;

	private final AtomicInteger credentialsServed = new AtomicInteger();

	@IpcRpcHandler(sources = "${sample.vault.trusted-worker}", users = "${user.name}")
	public Credential fetch(@Valid FetchCredential request, Source caller) {
		Credential credential = this.credentials.get(request.name());
		if (credential == null) {
			throw new RpcHandlerException("No credential named '" + request.name() + "'");
		}
		this.credentialsServed.incrementAndGet();
		log.info("Vault: served credential '{}' to {}", request.name(), caller);
		return credential;
	}

	@IpcSubscriber(sources = "${sample.vault.trusted-worker}")
	public void onJobCompleted(JobCompleted event, Source source) {
		int total;
		this.lock.lock();
		try {
			total = ++this.jobsReported;
			this.jobReported.signalAll();
		}
		finally {
			this.lock.unlock();
		}
		log.info("Vault: {} reports job {} done, {} items in {} ms ({} jobs so far)", source, event.jobId(),
				event.itemsSynced(), event.durationMillis(), total);
	}

	/** Jobs the worker reported. */
	public int jobsReported() {
		this.lock.lock();
		try {
			return this.jobsReported;
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Waits until {@code count} jobs were reported.
	 * @return whether they were within {@code timeout}
	 */
	public boolean awaitJobs(int count, Duration timeout) throws InterruptedException {
		long deadline = System.nanoTime() + timeout.toNanos();
		this.lock.lock();
		try {
			while (this.jobsReported < count) {
				long remaining = deadline - System.nanoTime();
				if (remaining <= 0) {
					return false;
				}
				this.jobReported.await(remaining, TimeUnit.NANOSECONDS);
			}
			return true;
		}
		finally {
			this.lock.unlock();
		}
	}

	/** Credentials handed out. */
	public int credentialsServed() {
		return this.credentialsServed.get();
	}

}
