package dev.ipc.client;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;

import dev.ipc.codec.PayloadCodec;
import dev.ipc.event.IpcEventListener;
import dev.ipc.model.Endpoint;
import dev.ipc.model.IncomingMessage;
import dev.ipc.model.OutgoingMessage;
import dev.ipc.model.Topics;
import dev.ipc.model.TypedIncomingMessage;
import dev.ipc.observation.IpcObserver;
import dev.ipc.rpc.AsyncRpcHandler;
import dev.ipc.rpc.RpcHandler;
import dev.ipc.rpc.RpcRequest;
import dev.ipc.rpc.discover.DiscoverHandler;
import dev.ipc.rpc.discover.DiscoverRequest;
import dev.ipc.spi.CommunicationBackend;
import dev.ipc.spi.CryptoContext;
import dev.ipc.spi.CryptoProvider;
import dev.ipc.spi.ErrorKind;
import dev.ipc.spi.IpcException;
import dev.ipc.spi.SessionRepository;

/**
 * The default {@link IpcClient}: the public face over parts of one concern each, wired
 * here and called straight down. {@link ClientLifecycle} starts, stops and closes;
 * {@link InboundPath} takes what the backend delivers through the crypto provider to the
 * responder ({@link RpcResponder}), the pending requests ({@link PendingRequests}) and
 * the subscriptions ({@link SubscriptionHub}); {@link RpcRequester} sends requests and
 * waits for their responses ({@link SyncCall} for {@link #call}); {@link Sender} sends
 * addressed messages and {@link Publisher} publications; {@link Departures} and
 * {@link Resender} deal with peers that left and requests a peer could not decrypt. What
 * goes up is two notices, routed here: a fatal error, which stops the client, and the
 * provider's report that a peer could not decrypt a frame, which re-sends requests.
 */
final class DefaultIpcClient implements IpcClient {

	private final ClientState state;

	private final PayloadCodec codec;

	private final IpcObserver observer;

	private final SubscriptionHub subscriptions;

	private final RpcHandlerRegistry handlers;

	private final Sender sender;

	private final Publisher publisher;

	private final Resender resender;

	private final RpcRequester requester;

	private final ClientLifecycle lifecycle;

	private final Duration defaultRpcTimeout;

	@SuppressWarnings("unchecked")
	DefaultIpcClient(IpcClientBuilder builder) {
		String name = builder.name;
		CommunicationBackend backend = Objects.requireNonNull(builder.backend);
		CryptoProvider<Object> crypto = (CryptoProvider<Object>) builder.crypto;
		IpcEventListener events = builder.listeners.isEmpty() ? IpcEventListener.NOOP
				: IpcEventListener.composite(builder.listeners);
		this.state = new ClientState(name);
		this.observer = IpcObserver.guarded(builder.observer);
		this.codec = (builder.codec != null) ? builder.codec : PayloadCodec.defaults();
		this.defaultRpcTimeout = builder.defaultRpcTimeout;
		RpcEnvelopes envelopes = new RpcEnvelopes(codec);
		ExecutorService ownedExecutor = null;
		Dispatcher dispatcher;
		if (builder.handlerExecutor != null) {
			dispatcher = new Dispatcher(builder.handlerExecutor, builder.directDispatch);
		}
		else {
			ownedExecutor = builder.directDispatch ? null : newWorkerPool(name, builder.maxWorkerThreads);
			dispatcher = new Dispatcher((ownedExecutor != null) ? ownedExecutor : Runnable::run,
					builder.directDispatch);
		}
		ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1,
				new NamedThreadFactory(name + "-rpc-timer"));
		timer.setRemoveOnCancelPolicy(true);
		PendingRequests pending = new PendingRequests(name, envelopes, events, dispatcher);
		RecentRequests recentRequests = new RecentRequests();
		// the provider's events also tell the client when the peer could not decrypt a
		// frame (to re-send requests)
		CryptoContext<Object> cryptoContext = new CryptoContext<>(backend, (SessionRepository<Object>) builder.sessions,
				IpcEventListener.composite(List.of(events, new IpcEventListener() {
					@Override
					public void sessionInvalidated(Endpoint peer, String reason) {
						if (IpcEventListener.PEER_COULD_NOT_DECRYPT.equals(reason)) {
							peerCouldNotDecrypt(peer);
						}
					}
				})));
		Departures departures = new Departures(state, timer, pending, recentRequests, crypto, cryptoContext,
				dispatcher);
		this.sender = new Sender(name, crypto, cryptoContext, events, departures, this::stopBecause);
		this.resender = new Resender(state, pending, sender, departures, dispatcher);
		this.subscriptions = new SubscriptionHub(dispatcher, events, builder.subscriberQueueCapacity);
		this.handlers = new RpcHandlerRegistry(builder.duplicateHandlerPolicy);
		RpcResponder responder = new RpcResponder(state, sender, envelopes, handlers, recentRequests, events,
				WarningLimiter.PEER_WARNING_INTERVAL, observer);
		this.requester = new RpcRequester(state, envelopes, pending, sender, departures, resender, timer,
				new SyncCall(backend, builder.rpcSpin), events, observer);
		InboundPath inbound = new InboundPath(state, crypto, cryptoContext, events, dispatcher, responder, pending,
				subscriptions, departures, this::stopBecause);
		this.lifecycle = new ClientLifecycle(state, backend, crypto, inbound, pending, departures, subscriptions,
				events, new JvmKeepAlive(name, builder.keepJvmAlive), timer, resender, ownedExecutor,
				builder.shutdownTimeout);
		backend.addDisconnectListener(departures::peerLeft);
		this.publisher = new Publisher(name, backend, crypto, cryptoContext, departures::awaitDeparturesOf);
		SubscriptionAnnouncer announcer = new SubscriptionAnnouncer(backend, subscriptions::topics);
		this.subscriptions.onTopicsChanged(announcer::changed);
		if (builder.discoverVersion != null) {
			registerRpcHandler(DiscoverRequest.class, new DiscoverHandler(builder.discoverVersion));
		}
	}

	/**
	 * Keeps a few threads warm, hands each task to an idle thread or a new one, up to
	 * {@code max}.
	 */
	private static ExecutorService newWorkerPool(String name, int max) {
		int core = Math.min(max, Math.max(2, Runtime.getRuntime().availableProcessors()));
		return new ThreadPoolExecutor(core, max, 60, TimeUnit.SECONDS, new SynchronousQueue<>(),
				new NamedThreadFactory(name + "-worker"));
	}

	/**
	 * The crypto provider's notice (through the context's events) that {@code peer} could
	 * not decrypt a frame of ours.
	 */
	private void peerCouldNotDecrypt(Endpoint peer) {
		resender.peerCouldNotDecrypt(peer);
	}

	/** A fatal send or receive error stops the client (from any thread). */
	private void stopBecause(IpcException cause) {
		lifecycle.stopBecause(cause);
	}

	// ---------------------------------------------------------------- life cycle

	@Override
	public void start() {
		lifecycle.start();
	}

	@Override
	public void stop() {
		lifecycle.stop();
	}

	@Override
	public void close() {
		lifecycle.close();
	}

	@Override
	public boolean isRunning() {
		return state.isRunning();
	}

	@Override
	public IpcClientState state() {
		return state.get();
	}

	@Override
	public Optional<Throwable> lastFatalError() {
		return Optional.ofNullable(state.lastFatalError());
	}

	// ---------------------------------------------------------------- sending

	@Override
	public void send(OutgoingMessage message) {
		Objects.requireNonNull(message, "message");
		state.ensureOpen();
		IpcObserver.Exchange observation = observer.send(message.topic(), message.destination());
		try (IpcObserver.Scope scope = observation.openScope()) {
			sender.send(message);
		}
		catch (RuntimeException ex) {
			observation.stop(null, ex);
			throw ex;
		}
		observation.stop(null, null);
	}

	@Override
	public void send(Object payload, Endpoint destination) {
		Objects.requireNonNull(payload, "payload");
		Objects.requireNonNull(destination, "destination");
		String topic = Topics.topicOf(payload.getClass());
		send(new OutgoingMessage(codec.encode(payload), destination, topic));
	}

	@Override
	public int publish(String topic, byte[] payload, @Nullable Set<Endpoint> recipients) {
		Objects.requireNonNull(topic, "topic");
		state.ensureOpen();
		try {
			return publisher.publish(topic, payload, recipients);
		}
		catch (IpcException ex) {
			if (ex.kind() == ErrorKind.FATAL) {
				sender.fatal(ex);
			}
			throw ex;
		}
	}

	@Override
	public int publish(Object payload, @Nullable Set<Endpoint> recipients) {
		Objects.requireNonNull(payload, "payload");
		return publish(Topics.topicOf(payload.getClass()), codec.encode(payload), recipients);
	}

	// ---------------------------------------------------------------- subscribing

	@Override
	public Subscription subscribe(String topic) {
		Objects.requireNonNull(topic, "topic");
		state.ensureOpen();
		return subscriptions.add(topic, null);
	}

	@Override
	public Subscription subscribeAll() {
		state.ensureOpen();
		return subscriptions.add(null, null);
	}

	@Override
	public <P> TypedSubscription<P> subscribe(Class<P> payloadType) {
		String topic = Topics.topicOf(payloadType);
		state.ensureOpen();
		return new DecodingSubscription<>(subscriptions.add(topic, null), payloadType, codec);
	}

	@Override
	public Registration subscribe(String topic, MessageListener listener) {
		Objects.requireNonNull(topic, "topic");
		Objects.requireNonNull(listener, "listener");
		state.ensureOpen();
		return subscriptions.add(topic, listener);
	}

	@Override
	public Registration subscribeAll(MessageListener listener) {
		Objects.requireNonNull(listener, "listener");
		state.ensureOpen();
		return subscriptions.add(null, listener);
	}

	@Override
	public <P> Registration subscribe(Class<P> payloadType, TypedMessageListener<P> listener) {
		Objects.requireNonNull(listener, "listener");
		String topic = Topics.topicOf(payloadType);
		state.ensureOpen();
		return subscriptions.add(topic, new MessageListener() {
			@Override
			public void onMessage(IncomingMessage message) throws Exception {
				P payload = codec.decode(message.payload(), payloadType);
				listener.onMessage(new TypedIncomingMessage<>(payload, message.destination(), message.source(),
						message.topic(), message.kind()));
			}

			@Override
			public void onMessagesLost(long count) {
				listener.onMessagesLost(count);
			}
		});
	}

	@Override
	public Set<String> subscribedTopics() {
		return subscriptions.topics();
	}

	// ---------------------------------------------------------------- RPC requester

	@Override
	public <R> CompletableFuture<R> request(RpcRequest<R> request, Endpoint destination) {
		return requester.request(request, destination, defaultRpcTimeout);
	}

	@Override
	public <R> CompletableFuture<R> request(RpcRequest<R> request, Endpoint destination, Duration timeout) {
		return requester.request(request, destination, timeout);
	}

	@Override
	public <R> R call(RpcRequest<R> request, Endpoint destination) throws InterruptedException {
		return requester.call(request, destination, defaultRpcTimeout);
	}

	@Override
	public <R> R call(RpcRequest<R> request, Endpoint destination, Duration timeout) throws InterruptedException {
		return requester.call(request, destination, timeout);
	}

	// ---------------------------------------------------------------- handlers

	@Override
	public <Q extends RpcRequest<R>, R> Registration registerRpcHandler(Class<Q> requestType,
			RpcHandler<Q, R> handler) {
		Objects.requireNonNull(handler, "handler");
		return registerAsyncRpcHandler(requestType,
				(request, context) -> CompletableFuture.completedFuture(handler.handle(request, context)));
	}

	@Override
	public <Q extends RpcRequest<R>, R> Registration registerAsyncRpcHandler(Class<Q> requestType,
			AsyncRpcHandler<Q, R> handler) {
		Objects.requireNonNull(requestType, "requestType");
		Objects.requireNonNull(handler, "handler");
		state.ensureOpen();
		String type = Topics.nameOf(requestType);
		RpcTypes.responseType(requestType);
		return handlers.register(new RpcHandlerRegistry.Entry(type, requestType,
				(request, context) -> handler.handle(requestType.cast(request), context)));
	}

	@Override
	public Set<String> rpcHandlerNames() {
		return handlers.names();
	}

	@Override
	public String toString() {
		return "IpcClient[" + state.name() + ", " + state.get() + "]";
	}

}
