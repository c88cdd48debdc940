package dev.ipc.client;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import org.jspecify.annotations.Nullable;

import dev.ipc.model.Endpoint;
import dev.ipc.model.OutgoingMessage;
import dev.ipc.rpc.AsyncRpcHandler;
import dev.ipc.rpc.RpcHandler;
import dev.ipc.rpc.RpcRequest;

/**
 * Sends and receives typed, end-to-end encrypted messages between processes, by
 * publish/subscribe on topics and by request/response (spec §2). Build one with
 * {@link #builder()}.
 *
 * <pre>{@code
 * IpcClient client = IpcClient.builder()
 *     .backend(backend)          // Noise NN encryption with in-memory sessions by default
 *     .build();
 * client.registerRpcHandler(Sum.class, (req, ctx) -> new SumResult(req.a() + req.b()));
 * client.start();
 * SumResult r = client.request(new Sum(1, 2), Endpoint.named("calc")).join();
 * }</pre>
 *
 * <h2>Life cycle</h2> {@code start()} opens a receiver on the backend and starts the
 * receive loop (a named daemon thread); {@code stop()} ends it; {@code start()} may be
 * called again. {@code close()} stops for good and releases threads. Sending and
 * registering handlers do not need a started client. A
 * {@link dev.ipc.spi.ErrorKind#FATAL} error from sending or receiving stops the client
 * ({@link #lastFatalError()} tells why); unreachable destinations and other errors leave
 * it running. While running, a client keeps the JVM alive with one non-daemon thread
 * ({@link IpcClientBuilder#keepJvmAlive}, on by default): close it (a shutdown hook is
 * the usual place) for the JVM to end when {@code main} has returned.
 *
 * <h2>Threads</h2> Nothing runs user code on the receive loop: RPC handlers, subscription
 * callbacks and RPC future completions run on the handler executor, unless the client was
 * built with direct dispatch. All methods are thread-safe.
 */
public interface IpcClient extends AutoCloseable {

	/** A builder for the default implementation. */
	static IpcClientBuilder builder() {
		return new IpcClientBuilder();
	}

	/**
	 * Starts the receive loop.
	 * @throws IllegalStateException if the client is already running, starting or
	 * stopping
	 * @throws dev.ipc.spi.IpcClosedException if the client is closed
	 * @throws dev.ipc.spi.IpcException if the backend cannot open a receiver
	 */
	void start();

	/**
	 * Stops the receive loop, waiting a bounded time for it to end. RPCs still waiting
	 * for a response fail with {@link dev.ipc.spi.IpcClosedException}; subscriptions and
	 * handlers stay registered. No-op unless running.
	 */
	void stop();

	/**
	 * Stops, fails pending work, closes subscriptions and releases the client's own
	 * threads. Idempotent.
	 */
	@Override
	void close();

	/** Whether the receive loop runs. */
	boolean isRunning();

	/** The current life-cycle state. */
	IpcClientState state();

	/**
	 * The fatal error that last stopped the client, if that is why it stopped; cleared by
	 * {@code start()}.
	 */
	Optional<Throwable> lastFatalError();

	/**
	 * Encrypts and sends a raw message. May block while the crypto provider performs a
	 * handshake.
	 * @throws dev.ipc.spi.IpcUnreachableException if the destination is not connected
	 * @throws dev.ipc.spi.IpcException for any other failure (a fatal one also stops the
	 * client)
	 */
	void send(OutgoingMessage message);

	/**
	 * Encodes {@code payload} as JSON and sends it on its type's topic
	 * ({@link dev.ipc.model.IpcPayload}).
	 * @throws IllegalArgumentException if the payload type declares no topic
	 * @throws dev.ipc.codec.PayloadCodecException if the payload cannot be encoded
	 * @throws dev.ipc.spi.IpcException as {@link #send(OutgoingMessage)}
	 */
	void send(Object payload, Endpoint destination);

	/**
	 * Publishes a raw payload on {@code topic} to every other process currently
	 * subscribed to it ({@link #publish(Object)} tells the semantics).
	 * @param recipients only these of the subscribers, or {@code null} for all of them
	 * @return how many recipients the transport accepted a copy for
	 * @throws dev.ipc.spi.IpcException kind {@code FATAL} only (a failing copy for one
	 * recipient is skipped and reported to the event listener)
	 */
	int publish(String topic, byte[] payload, @Nullable Set<Endpoint> recipients);

	/**
	 * Encodes {@code payload} as JSON and publishes it on its type's topic to every other
	 * process currently subscribed to that topic: each receives one copy, encrypted under
	 * its own session, with this process as its verified {@code Source} and
	 * {@link dev.ipc.model.DeliveryKind#PUBLISHED} as its kind. A process subscribed
	 * after the backend learned of it receives what is published from then on, nothing
	 * earlier; each recipient gets one publisher's publications in the order of its
	 * {@code publish} calls. Never waits for a slow recipient (a handshake with a new
	 * recipient excepted, bounded by the crypto provider's handshake timeout); waits at
	 * most 1 s per copy for room when the transport's own outbound queue is full
	 * ({@link dev.ipc.spi.IpcBackpressureException}), then skips that copy. A backend
	 * that does not {@link dev.ipc.spi.CommunicationBackend#supportsPublish carry
	 * publications} reaches nobody (returns 0). Processes that cannot announce
	 * subscriptions (Bitwarden's) receive nothing: address them with {@code send}.
	 * @return how many recipients the transport accepted a copy for
	 * @throws IllegalArgumentException if the payload type declares no topic
	 * @throws dev.ipc.codec.PayloadCodecException if the payload cannot be encoded
	 * @throws dev.ipc.spi.IpcException kind {@code FATAL} only
	 */
	default int publish(Object payload) {
		return publish(payload, null);
	}

	/**
	 * As {@link #publish(Object)}, restricted to those subscribers that are in
	 * {@code recipients} ({@code null}: all of them).
	 */
	int publish(Object payload, @Nullable Set<Endpoint> recipients);

	/** A subscription to every message on {@code topic}. */
	Subscription subscribe(String topic);

	/** A subscription to every message except RPC requests (RPC responses included). */
	Subscription subscribeAll();

	/** A subscription to {@code payloadType}'s topic that decodes each message. */
	<P> TypedSubscription<P> subscribe(Class<P> payloadType);

	/**
	 * Delivers every message on {@code topic} to {@code listener}, serially, off the
	 * receive loop.
	 */
	Registration subscribe(String topic, MessageListener listener);

	/** Delivers every message except RPC requests to {@code listener}. */
	Registration subscribeAll(MessageListener listener);

	/**
	 * Delivers each decoded message on {@code payloadType}'s topic to {@code listener}.
	 */
	<P> Registration subscribe(Class<P> payloadType, TypedMessageListener<P> listener);

	/**
	 * Sends {@code request} and completes with the response, or exceptionally with
	 * {@link dev.ipc.rpc.RpcTimeoutException} after the client's default timeout,
	 * {@link dev.ipc.rpc.RpcRemoteException},
	 * {@link dev.ipc.rpc.RpcSerializationException},
	 * {@link dev.ipc.spi.IpcUnreachableException}, or
	 * {@link dev.ipc.spi.IpcClosedException}. Cancelling the future abandons the request.
	 * The send happens on the calling thread (including a handshake when needed); a send
	 * that fails fails the future at once. If the destination reports that it could not
	 * decrypt the request ({@code CryptoInvalidated}), the request is re-sent once,
	 * unchanged, within its timeout; if that happens again the future fails with an
	 * {@link dev.ipc.spi.IpcException} of kind {@code OTHER} (no handler ran; safe to
	 * retry). If the destination leaves while the request is pending, the future fails
	 * with {@link dev.ipc.spi.IpcUnreachableException} once its last messages have been
	 * processed.
	 */
	<R> CompletableFuture<R> request(RpcRequest<R> request, Endpoint destination);

	/** As {@link #request(RpcRequest, Endpoint)} with an explicit timeout. */
	<R> CompletableFuture<R> request(RpcRequest<R> request, Endpoint destination, Duration timeout);

	/**
	 * Sends {@code request} and waits for the response on the calling thread, with the
	 * client's default timeout: the synchronous form of
	 * {@link #request(RpcRequest, Endpoint)}, with the same semantics (re-send after
	 * {@code CryptoInvalidated}, failure when the destination leaves). Over a transport
	 * that supports it ({@link dev.ipc.spi.ReceiveDriver}, such as a socket peer) the
	 * calling thread reads the connection itself while it waits, delivering whatever else
	 * arrives meanwhile exactly as the transport's thread would, so a round trip costs
	 * one wake-up of the caller instead of a hand-over from the transport's thread;
	 * elsewhere it waits for the future. Called from a thread that delivers incoming
	 * messages (a handler run with direct dispatch), it can only wait, and the response
	 * cannot arrive before the handler returns.
	 * @return the response
	 * @throws dev.ipc.rpc.RpcTimeoutException if no response came in time
	 * @throws dev.ipc.rpc.RpcRemoteException if the handler failed
	 * @throws dev.ipc.rpc.RpcSerializationException if the request or response could not
	 * be (de)serialized
	 * @throws dev.ipc.spi.IpcUnreachableException if the destination is not connected or
	 * left
	 * @throws dev.ipc.spi.IpcClosedException if the client stopped meanwhile
	 * @throws dev.ipc.spi.IpcException for any other failure of the send
	 * @throws InterruptedException if the thread is interrupted while waiting (the
	 * request is abandoned)
	 */
	default <R> R call(RpcRequest<R> request, Endpoint destination) throws InterruptedException {
		return SyncCall.await(request(request, destination));
	}

	/**
	 * As {@link #call(RpcRequest, Endpoint)} with an explicit timeout.
	 * @throws InterruptedException if the thread is interrupted while waiting
	 */
	default <R> R call(RpcRequest<R> request, Endpoint destination, Duration timeout) throws InterruptedException {
		return SyncCall.await(request(request, destination, timeout));
	}

	/**
	 * Registers the handler for {@code requestType}'s name.
	 * @throws IllegalStateException if a handler for that name exists and the policy is
	 * {@link DuplicateHandlerPolicy#FAIL}
	 * @throws IllegalArgumentException if the type declares no name
	 */
	<Q extends RpcRequest<R>, R> Registration registerRpcHandler(Class<Q> requestType, RpcHandler<Q, R> handler);

	/** As {@link #registerRpcHandler} for a handler that completes asynchronously. */
	<Q extends RpcRequest<R>, R> Registration registerAsyncRpcHandler(Class<Q> requestType,
			AsyncRpcHandler<Q, R> handler);

	/** The request type names with a registered handler. */
	Set<String> rpcHandlerNames();

	/**
	 * The topics of the current topic subscriptions (subscriptions to everything are not
	 * listed).
	 */
	Set<String> subscribedTopics();

}
