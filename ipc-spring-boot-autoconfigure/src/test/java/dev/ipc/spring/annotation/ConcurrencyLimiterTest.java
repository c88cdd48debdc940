package dev.ipc.spring.annotation;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link ConcurrencyLimiter}.
 */
class ConcurrencyLimiterTest {

	@Test
	void runsAtMostTheLimitAndStartsWaitingTasksInOrder() {
		ConcurrencyLimiter limiter = new ConcurrencyLimiter(2, Runnable::run);
		List<CompletableFuture<String>> gates = new ArrayList<>();
		List<String> started = new ArrayList<>();
		List<CompletableFuture<String>> results = new ArrayList<>();
		for (int i = 0; i < 4; i++) {
			CompletableFuture<String> gate = new CompletableFuture<>();
			gates.add(gate);
			String name = "t" + i;
			results.add(limiter.submit(() -> {
				started.add(name);
				return gate;
			}));
		}
		assertThat(started).containsExactly("t0", "t1");
		assertThat(limiter.waiting()).isEqualTo(2);
		gates.get(1).complete("one");
		assertThat(started).containsExactly("t0", "t1", "t2");
		assertThat(results.get(1)).isCompletedWithValue("one");
		gates.get(0).completeExceptionally(new IllegalStateException("boom"));
		assertThat(started).containsExactly("t0", "t1", "t2", "t3");
		assertThat(results.get(0)).isCompletedExceptionally();
		assertThat(limiter.waiting()).isZero();
	}

	@Test
	void aTaskThatThrowsReleasesItsPermit() {
		ConcurrencyLimiter limiter = new ConcurrencyLimiter(1, Runnable::run);
		CompletableFuture<Object> failed = limiter.submit(() -> {
			throw new IllegalStateException("boom");
		});
		assertThat(failed).isCompletedExceptionally();
		assertThat(limiter.submit(() -> CompletableFuture.completedFuture("ok"))).isCompletedWithValue("ok");
	}

	@Test
	void limitMustBePositive() {
		assertThatIllegalArgumentException().isThrownBy(() -> new ConcurrencyLimiter(0, Runnable::run));
	}

}
