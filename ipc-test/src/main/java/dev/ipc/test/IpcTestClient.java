package dev.ipc.test;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.ipc.client.IpcClient;
import dev.ipc.client.Registration;
import dev.ipc.client.TypedSubscription;
import dev.ipc.model.Endpoint;
import dev.ipc.model.TypedIncomingMessage;
import dev.ipc.rpc.RpcHandler;
import dev.ipc.rpc.RpcRequest;
import dev.ipc.spi.IpcException;

/**
 * Another endpoint on the in-memory bus of a test's application context, for tests of an
 * application's IPC handlers and senders; created by
 * {@link AutoConfigureIpcTest @AutoConfigureIpcTest}.
 *
 * <p>
 * It uses the application's crypto provider type and payload codec, so what a test sends
 * is encrypted and serialized as in production. Methods without a destination address the
 * application under test. Waiting methods wait at most the annotation's
 * {@link AutoConfigureIpcTest#timeout() timeout}; when it passes they throw an
 * {@link AssertionError} that says what did not arrive, so a test reads as its
 * expectation.
 *
 * <pre>{@code
 * TypedSubscription<JobCompleted> jobs = ipc.subscribe(JobCompleted.class);  // before the application sends
 * ipc.send(new StartJob("job-1"));
 * assertThat(ipc.await(jobs).payload().jobId()).isEqualTo("job-1");
 * }</pre>
 *
 * <p>
 * The client is started with the context and closed with it; {@link #client()} gives the
 * full {@link IpcClient} API for anything not covered here.
 *
 * @author IPC contributors
 */
public final class IpcTestClient implements AutoCloseable {

	private final IpcClient client;

	private final Endpoint self;

	private final Endpoint application;

	private final Duration timeout;

	IpcTestClient(IpcClient client, Endpoint self, Endpoint application, Duration timeout) {
		this.client = client;
		this.self = self;
		this.application = application;
		this.timeout = timeout;
	}

	/** The endpoint this client is reachable under: what the application sends to. */
	public Endpoint endpoint() {
		return this.self;
	}

	/** The endpoint of the application under test. */
	public Endpoint applicationEndpoint() {
		return this.application;
	}

	/** How long the waiting methods wait. */
	public Duration timeout() {
		return this.timeout;
	}

	/** The underlying client, for what this class does not cover. */
	public IpcClient client() {
		return this.client;
	}

	/**
	 * Sends an event to the application (its topic from the payload type's
	 * {@code @IpcPayload}).
	 * @throws IpcException if it cannot be sent (for example, the application's client is
	 * not running)
	 */
	public void send(Object payload) {
		send(payload, this.application);
	}

	/**
	 * Sends an event to {@code destination}.
	 * @throws IpcException if it cannot be sent
	 */
	public void send(Object payload, Endpoint destination) {
		this.client.send(payload, destination);
	}

	/**
	 * Calls the application's handler for {@code request} and returns its response.
	 * @throws dev.ipc.rpc.RpcException (for example
	 * {@link dev.ipc.rpc.RpcRemoteException} with the error the handler's side reported)
	 * as the call failed; {@link AssertionError} if no response came within the timeout
	 */
	public <R> R request(RpcRequest<R> request) {
		return request(request, this.application);
	}

	/**
	 * Calls the handler for {@code request} at {@code destination} and returns its
	 * response.
	 * @throws dev.ipc.rpc.RpcException as the call failed; {@link AssertionError} if no
	 * response came in time
	 */
	public <R> R request(RpcRequest<R> request, Endpoint destination) {
		CompletableFuture<R> response = this.client.request(request, destination, this.timeout);
		try {
			// the call's own timeout fails the future first; the extra second only guards
			// against a lost completion
			return response.get(this.timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
		}
		catch (ExecutionException ex) {
			Throwable cause = ex.getCause();
			if (cause instanceof dev.ipc.rpc.RpcTimeoutException) {
				throw new AssertionError("No response to " + request.getClass().getSimpleName() + " from " + destination
						+ " within " + this.timeout, cause);
			}
			if (cause instanceof RuntimeException runtime) {
				throw runtime;
			}
			throw new IllegalStateException(cause);
		}
		catch (TimeoutException ex) {
			response.cancel(true);
			throw new AssertionError("No response to " + request.getClass().getSimpleName() + " from " + destination
					+ " within " + this.timeout, ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			response.cancel(true);
			throw new IllegalStateException("Interrupted while waiting for a response", ex);
		}
	}

	/**
	 * Subscribes to events of {@code payloadType} sent to this client; subscribe before
	 * the application sends. Close the subscription when done, or leave it to the
	 * context's end.
	 */
	public <P> TypedSubscription<P> subscribe(Class<P> payloadType) {
		return this.client.subscribe(payloadType);
	}

	/**
	 * Waits for the next message of a subscription.
	 * @throws AssertionError if none arrived within the timeout
	 */
	public <P> TypedIncomingMessage<P> await(TypedSubscription<P> subscription) {
		try {
			TypedIncomingMessage<P> message = subscription.receive(this.timeout);
			if (message == null) {
				throw new AssertionError("No message on topic '" + subscription.topic() + "' within " + this.timeout);
			}
			return message;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted while waiting on topic '" + subscription.topic() + "'", ex);
		}
	}

	/**
	 * Answers the application's calls of {@code requestType} with {@code handler},
	 * standing in for the process that answers them in production. Close the registration
	 * to stop answering.
	 * @throws IllegalStateException if a handler for that type is already registered on
	 * this client
	 */
	public <Q extends RpcRequest<R>, R> Registration respondTo(Class<Q> requestType, RpcHandler<Q, R> handler) {
		return this.client.registerRpcHandler(requestType, handler);
	}

	/** Closes the client and leaves the bus; the context does this when it closes. */
	@Override
	public void close() {
		this.client.close();
	}

	@Override
	public String toString() {
		return "IpcTestClient[" + this.self + " -> " + this.application + "]";
	}

	static Duration checkedTimeout(Duration timeout) {
		Objects.requireNonNull(timeout, "timeout");
		if (timeout.isNegative() || timeout.isZero()) {
			throw new IllegalArgumentException("The IPC test timeout must be positive, was " + timeout);
		}
		return timeout;
	}

}
