package dev.ipc.client;

import java.lang.reflect.Type;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ipc.codec.PayloadCodec;
import dev.ipc.codec.PayloadCodecException;
import dev.ipc.event.DropReason;
import dev.ipc.event.IpcEventListener;
import dev.ipc.event.RpcOutcome;
import dev.ipc.internal.InboundThread;
import dev.ipc.model.Endpoint;
import dev.ipc.model.IncomingMessage;
import dev.ipc.model.OutgoingMessage;
import dev.ipc.model.Topics;
import dev.ipc.model.TypedIncomingMessage;
import dev.ipc.observation.IpcObserver;
import dev.ipc.rpc.AsyncRpcHandler;
import dev.ipc.rpc.RpcError;
import dev.ipc.rpc.RpcHandler;
import dev.ipc.rpc.RpcRemoteException;
import dev.ipc.rpc.RpcRequest;
import dev.ipc.rpc.RpcSerializationException;
import dev.ipc.rpc.RpcTimeoutException;
import dev.ipc.rpc.discover.DiscoverHandler;
import dev.ipc.rpc.discover.DiscoverRequest;
import dev.ipc.spi.BackendReceiver;
import dev.ipc.spi.CommunicationBackend;
import dev.ipc.spi.CryptoContext;
import dev.ipc.spi.CryptoProvider;
import dev.ipc.spi.ErrorKind;
import dev.ipc.spi.IpcClosedException;
import dev.ipc.spi.IpcException;
import dev.ipc.spi.IpcUnreachableException;
import dev.ipc.spi.ReceiverLaggedException;
import dev.ipc.spi.SessionRepository;

/**
 * The default {@link IpcClient}. Inbound, one straight line on the transport's delivering
 * thread ({@link InboundPath}: backend delivers, the crypto provider processes, the
 * result is dispatched), with a receive thread of its own only for a pull-only backend;
 * user code on the dispatcher; RPC responses correlated by request id through a pending
 * map fed by the inbound path.
 */
final class DefaultIpcClient implements IpcClient {

	private static final Logger log = LoggerFactory.getLogger(DefaultIpcClient.class);

	private static final Duration LOOP_JOIN_TIMEOUT = Duration.ofSeconds(5);

	/**
	 * For receivers that cannot carry a departure in order with the messages (no
	 * {@link BackendReceiver#insertMarker}): how long a reply already queued from a
	 * departed peer may still complete its request before the departure fails it.
	 */
	private static final Duration DISCONNECT_GRACE = Duration.ofMillis(200);

	/**
	 * {@link #sendChecked(OutgoingMessage, long)} without a deadline of the caller's own.
	 */
	private static final long NO_DEADLINE = Long.MIN_VALUE;

	/** See {@link IpcEventListener#PEER_COULD_NOT_DECRYPT}. */
	static final String PEER_SENT_CRYPTO_INVALIDATED = IpcEventListener.PEER_COULD_NOT_DECRYPT;

	/**
	 * The longest a send waits for the inbound path to finish with a departure of its
	 * destination that was already noticed (normally microseconds; see
	 * {@link #awaitDeparturesOf}).
	 */
	private static final Duration DEPARTURE_WAIT_LIMIT = Duration.ofSeconds(5);

	/**
	 * How often a warning that a peer can trigger repeatedly may be logged at warn (the
	 * others go to debug).
	 */
	private static final Duration PEER_WARNING_INTERVAL = Duration.ofSeconds(10);

	private final String name;

	private final CommunicationBackend backend;

	private final CryptoProvider<Object> crypto;

	private final CryptoContext<Object> cryptoContext;

	private final PayloadCodec codec;

	private final RpcEnvelopes envelopes;

	private final IpcEventListener events;

	private final IpcObserver observer;

	private final Dispatcher dispatcher;

	private final @Nullable ExecutorService ownedExecutor;

	private final ScheduledExecutorService timer;

	private final TimeoutSweeper timeouts;

	private final SubscriptionHub subscriptions;

	private final RpcHandlerRegistry handlers;

	/** Requests waiting for their response; fed by the inbound path. */
	private final PendingRequests pending;

	private final Duration defaultRpcTimeout;

	private final boolean directDispatch;

	private final Duration shutdownTimeout;

	private final AtomicReference<IpcClientState> state = new AtomicReference<>(IpcClientState.NEW);

	private final AtomicInteger generation = new AtomicInteger();

	/** Departure notices so far; see {@link #peerLeft}. */
	private final AtomicLong departures = new AtomicLong();

	/**
	 * Departures queued in the receiver as markers and not handled yet (handled at stop
	 * if the inbound path never got them).
	 */
	private final Set<PeerDeparture> queuedDepartures = ConcurrentHashMap.newKeySet();

	/**
	 * "The peer could not decrypt our frame" notices so far; see
	 * {@link #peerCouldNotDecrypt}.
	 */
	private final AtomicLong invalidations = new AtomicLong();

	/**
	 * Re-sends requests the peer could not decrypt; a send may wait for a handshake, so
	 * never on the inbound path.
	 */
	private final ThreadPoolExecutor resender;

	private final RecentRequests recentRequests = new RecentRequests();

	private final RequestIds requestIds = new RequestIds();

	private final RpcResponder responder;

	private final Publisher publisher;

	private final java.util.concurrent.locks.ReentrantLock departureLock = new java.util.concurrent.locks.ReentrantLock();

	private final java.util.concurrent.locks.Condition departureHandled = departureLock.newCondition();

	/**
	 * Set while a thread runs the inbound path (pushed delivery): it must never wait for
	 * the inbound path.
	 */
	private final ThreadLocal<Boolean> processingInline = new ThreadLocal<>();

	private final WarningLimiter lagWarnings = new WarningLimiter(PEER_WARNING_INTERVAL);

	/** How {@link #call} waits. */
	private final SyncCall syncCall;

	private volatile @Nullable Throwable lastFatalError;

	private volatile @Nullable BackendReceiver receiver;

	private volatile @Nullable Thread loopThread;

	/**
	 * The one non-daemon thread, while running (see
	 * {@link IpcClientBuilder#keepJvmAlive}).
	 */
	private final JvmKeepAlive keepAlive;

	@SuppressWarnings("unchecked")
	DefaultIpcClient(IpcClientBuilder builder) {
		this.name = builder.name;
		this.backend = Objects.requireNonNull(builder.backend);
		this.crypto = (CryptoProvider<Object>) builder.crypto;
		this.events = builder.listeners.isEmpty() ? IpcEventListener.NOOP
				: IpcEventListener.composite(builder.listeners);
		// the provider's events also tell the client when the peer could not decrypt a
		// frame (to re-send requests)
		this.cryptoContext = new CryptoContext<>(backend, (SessionRepository<Object>) builder.sessions,
				IpcEventListener.composite(List.of(events, new IpcEventListener() {
					@Override
					public void sessionInvalidated(Endpoint peer, String reason) {
						if (PEER_SENT_CRYPTO_INVALIDATED.equals(reason)) {
							peerCouldNotDecrypt(peer);
						}
					}
				})));
		this.observer = IpcObserver.guarded(builder.observer);
		this.codec = (builder.codec != null) ? builder.codec : PayloadCodec.defaults();
		this.envelopes = new RpcEnvelopes(codec);
		if (builder.handlerExecutor != null) {
			this.ownedExecutor = null;
			this.dispatcher = new Dispatcher(builder.handlerExecutor, builder.directDispatch);
		}
		else {
			this.ownedExecutor = builder.directDispatch ? null : newWorkerPool(name, builder.maxWorkerThreads);
			this.dispatcher = new Dispatcher((ownedExecutor != null) ? ownedExecutor : Runnable::run,
					builder.directDispatch);
		}
		this.pending = new PendingRequests(name, envelopes, events, dispatcher);
		ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1,
				new NamedThreadFactory(name + "-rpc-timer"));
		scheduler.setRemoveOnCancelPolicy(true);
		this.timer = scheduler;
		this.timeouts = new TimeoutSweeper(scheduler, pending::expire);
		this.resender = new ThreadPoolExecutor(0, 1, 10, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
				new NamedThreadFactory(name + "-rpc-resend"));
		this.subscriptions = new SubscriptionHub(dispatcher, events, builder.subscriberQueueCapacity);
		this.handlers = new RpcHandlerRegistry(builder.duplicateHandlerPolicy);
		this.responder = new RpcResponder(this, name, envelopes, handlers, recentRequests, events,
				PEER_WARNING_INTERVAL, observer);
		this.defaultRpcTimeout = builder.defaultRpcTimeout;
		this.directDispatch = builder.directDispatch;
		this.shutdownTimeout = builder.shutdownTimeout;
		this.keepAlive = new JvmKeepAlive(name, builder.keepJvmAlive);
		this.syncCall = new SyncCall(backend, builder.rpcSpin);
		this.backend.addDisconnectListener(this::peerLeft);
		this.publisher = new Publisher(name, backend, crypto, cryptoContext, this::awaitDeparturesOf);
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

	// ---------------------------------------------------------------- life cycle

	@Override
	public void start() {
		while (true) {
			IpcClientState current = state.get();
			if (current == IpcClientState.CLOSED) {
				throw new IpcClosedException("IPC client '" + name + "' is closed");
			}
			if (current != IpcClientState.NEW && current != IpcClientState.STOPPED) {
				throw new IllegalStateException("IPC client '" + name + "' is already running (state " + current + ")");
			}
			if (state.compareAndSet(current, IpcClientState.STARTING)) {
				break;
			}
		}
		// what is slow the first time in a fresh JVM (key generation, cipher providers)
		// is done now, not inside the
		// first handshake where it could run into the handshake timeout
		crypto.warmUp();
		BackendReceiver rx;
		try {
			rx = backend.subscribe();
		}
		catch (RuntimeException ex) {
			state.set(IpcClientState.STOPPED);
			throw ex;
		}
		receiver = rx; // from now on departures are queued behind what rx holds
		int gen = generation.incrementAndGet();
		lastFatalError = null;
		keepAlive.begin(); // still STARTING: no stop() can run before it, shutDownLoop()
							// ends it
		state.set(IpcClientState.RUNNING);
		if (crypto.processMayBlock() || !rx.deliverTo(new InboundPath(this, gen))) {
			// a pull-only backend, or a provider that may block: a receive thread of our
			// own
			Thread thread = new Thread(() -> runLoop(rx, gen), name + "-receive");
			thread.setDaemon(true);
			loopThread = thread;
			thread.start();
		}
		events.stateChanged(IpcClientState.RUNNING, null);
		log.debug("IPC client '{}' started", name);
	}

	@Override
	public void stop() {
		if (state.compareAndSet(IpcClientState.RUNNING, IpcClientState.STOPPING)) {
			shutDownLoop(null);
		}
	}

	/**
	 * Stops because of a fatal error; safe to call from any thread, including the inbound
	 * path.
	 */
	private void stopBecause(Throwable cause) {
		lastFatalError = cause;
		if (state.compareAndSet(IpcClientState.RUNNING, IpcClientState.STOPPING)) {
			shutDownLoop(cause);
		}
	}

	private void shutDownLoop(@Nullable Throwable cause) {
		BackendReceiver rx = receiver;
		Thread thread = loopThread;
		receiver = null;
		loopThread = null;
		if (rx != null) {
			rx.close();
		}
		if (thread != null && thread != Thread.currentThread()) {
			try {
				thread.join(LOOP_JOIN_TIMEOUT.toMillis());
				if (thread.isAlive()) {
					thread.interrupt();
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
		pending.failAll(new IpcClosedException("IPC client '" + name + "' stopped"));
		// departures the inbound path did not reach (the receiver discarded them on
		// close): nothing of those peers is queued
		// any more, so the provider may forget them now
		for (PeerDeparture departure : List.copyOf(queuedDepartures)) {
			departed(departure);
		}
		keepAlive.end();
		state.set(IpcClientState.STOPPED);
		events.stateChanged(IpcClientState.STOPPED, cause);
		log.debug("IPC client '{}' stopped", name);
	}

	@Override
	public void close() {
		while (true) {
			IpcClientState current = state.get();
			if (current == IpcClientState.CLOSED) {
				return;
			}
			if (current == IpcClientState.RUNNING) {
				stop();
			}
			else if ((current == IpcClientState.NEW || current == IpcClientState.STOPPED)
					&& state.compareAndSet(current, IpcClientState.CLOSED)) {
				break;
			}
			else {
				Thread.onSpinWait();
			}
		}
		keepAlive.end(); // normally ended by stop() already
		pending.failAll(new IpcClosedException("IPC client '" + name + "' closed"));
		subscriptions.closeAll();
		timer.shutdownNow();
		resender.shutdownNow();
		if (ownedExecutor != null) {
			ownedExecutor.shutdown();
			try {
				if (!ownedExecutor.awaitTermination(shutdownTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
					log.warn("IPC client '{}': handlers still running after {} ms, interrupting them", name,
							shutdownTimeout.toMillis());
					ownedExecutor.shutdownNow();
				}
			}
			catch (InterruptedException ex) {
				ownedExecutor.shutdownNow();
				Thread.currentThread().interrupt();
			}
		}
		events.stateChanged(IpcClientState.CLOSED, null);
	}

	@Override
	public boolean isRunning() {
		return state.get() == IpcClientState.RUNNING;
	}

	@Override
	public IpcClientState state() {
		return state.get();
	}

	@Override
	public Optional<Throwable> lastFatalError() {
		return Optional.ofNullable(lastFatalError);
	}

	private boolean isCurrent(int gen) {
		return generation.get() == gen && state.get() == IpcClientState.RUNNING;
	}

	private void ensureOpen() {
		if (state.get() == IpcClientState.CLOSED) {
			throw new IpcClosedException("IPC client '" + name + "' is closed");
		}
	}

	// ---------------------------------------------------------------- inbound path

	private void runLoop(BackendReceiver rx, int gen) {
		InboundThread.enter(); // for the life of this thread
		while (isCurrent(gen)) {
			IncomingMessage message;
			try {
				message = crypto.receive(cryptoContext, rx);
			}
			catch (InterruptedException ex) {
				break;
			}
			catch (PeerDeparture departure) {
				departed(departure);
				continue;
			}
			catch (RuntimeException ex) {
				if (!isCurrent(gen) || receiveFailed(ex)) {
					break;
				}
				continue;
			}
			dispatchSafely(message);
		}
	}

	/**
	 * One message of a push-capable receiver ({@link InboundPath}), on the delivering
	 * thread: the crypto provider processes it, the application message (if any) is
	 * dispatched. Marked as processing inline, so nothing on this thread waits for the
	 * inbound path (it is the inbound path).
	 */
	void processPushed(IncomingMessage raw, int gen) {
		if (!isCurrent(gen)) {
			return;
		}
		processingInline.set(Boolean.TRUE);
		InboundThread.enter();
		try {
			IncomingMessage message;
			try {
				message = crypto.process(cryptoContext, raw);
			}
			catch (RuntimeException ex) {
				if (isCurrent(gen)) {
					receiveFailed(ex);
				}
				return;
			}
			if (message != null) {
				dispatchSafely(message);
			}
		}
		finally {
			InboundThread.exit();
			processingInline.remove();
		}
	}

	/** A departure marker reached in the pushed stream. */
	void departedInStream(PeerDeparture departure, int gen) {
		if (!isCurrent(gen)) {
			return; // stop() handles the departures it did not reach
		}
		processingInline.set(Boolean.TRUE);
		try {
			departed(departure);
		}
		finally {
			processingInline.remove();
		}
	}

	/** Messages lost to overflow in the pushed stream. */
	void laggedInStream(long lost, int gen) {
		if (isCurrent(gen)) {
			receiveQueueOverflowed(lost);
		}
	}

	/** Handles a receive failure; returns whether the client stopped. */
	private boolean receiveFailed(RuntimeException failure) {
		if (failure instanceof ReceiverLaggedException lag) {
			receiveQueueOverflowed(lag.lost());
			return false;
		}
		if (failure instanceof IpcException ex) {
			if (ex.kind() == ErrorKind.FATAL) {
				log.error("IPC client '{}' stops: fatal receive error: {}", name, ex.getMessage(), ex);
				stopBecause(ex);
				return true;
			}
			logRecoverable("receive", ex);
			return false;
		}
		log.error("IPC client '{}': unexpected error while receiving (continuing)", name, failure);
		return false;
	}

	/**
	 * The receiver discarded {@code lost} messages because the inbound path fell behind:
	 * count each, warn now and then.
	 */
	private void receiveQueueOverflowed(long lost) {
		events.messagesDropped(DropReason.RECEIVE_QUEUE_OVERFLOW, null, lost);
		if (lagWarnings.allow()) {
			log.warn(
					"IPC client '{}': {} incoming message(s) lost, the receive queue was full (counted as {} drops; "
							+ "further losses are logged at warn at most every {} s)",
					name, lost, DropReason.RECEIVE_QUEUE_OVERFLOW, lagWarnings.intervalSeconds());
		}
		else {
			log.debug("IPC client '{}': {} incoming message(s) lost, the receive queue was full", name, lost);
		}
	}

	private void dispatchSafely(IncomingMessage message) {
		try {
			dispatch(message);
		}
		catch (RuntimeException ex) {
			log.error("IPC client '{}': failed to dispatch a message on topic {}", name, message.topic(), ex);
		}
	}

	private void logRecoverable(String operation, IpcException ex) {
		if (ex.kind() == ErrorKind.UNREACHABLE) {
			log.debug("IPC client '{}': {} failed: {}", name, operation, ex.getMessage());
		}
		else {
			log.warn("IPC client '{}': {} failed: {}", name, operation, ex.getMessage());
		}
	}

	private void dispatch(IncomingMessage message) {
		String topic = message.topic();
		events.messageReceived(topic, message.source().toEndpoint(), message.payload().length);
		if (Topics.RPC_REQUEST.equals(topic)) {
			dispatcher.execute(() -> responder.serve(message));
			return;
		}
		if (Topics.isRpcResponseTopic(topic)
				|| (!pending.isEmpty() && PendingRequests.mayBeResponse(message.payload()))) {
			pending.matchResponse(message);
		}
		subscriptions.deliver(message);
	}

	// ---------------------------------------------------------------- sending

	@Override
	public void send(OutgoingMessage message) {
		Objects.requireNonNull(message, "message");
		ensureOpen();
		IpcObserver.Exchange observation = observer.send(message.topic(), message.destination());
		try (IpcObserver.Scope scope = observation.openScope()) {
			sendChecked(message);
		}
		catch (RuntimeException ex) {
			observation.stop(null, ex);
			throw ex;
		}
		observation.stop(null, null);
	}

	void sendChecked(OutgoingMessage message) {
		sendChecked(message, NO_DEADLINE);
	}

	/**
	 * Sends through the crypto provider; an RPC request passes its own deadline, within
	 * which the provider may retry a handshake that did not complete
	 * ({@link #NO_DEADLINE}: the provider's own handshake timeout governs).
	 */
	private void sendChecked(OutgoingMessage message, long deadlineNanos) {
		awaitDeparturesOf(message.destination());
		try {
			if (deadlineNanos == NO_DEADLINE) {
				crypto.send(cryptoContext, message);
			}
			else {
				crypto.send(cryptoContext, message, deadlineNanos);
			}
		}
		catch (IpcException ex) {
			events.sendFailed(message.topic(), message.destination(), ex.kind());
			if (ex.kind() == ErrorKind.FATAL) {
				log.error("IPC client '{}' stops: fatal send error: {}", name, ex.getMessage(), ex);
				stopBecause(ex);
			}
			else if (ex.kind() == ErrorKind.OTHER) {
				log.warn("IPC client '{}': send to {} failed: {}", name, message.destination(), ex.getMessage());
			}
			throw ex;
		}
		events.messageSent(message.topic(), message.destination(), message.payload().length);
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
		ensureOpen();
		try {
			return publisher.publish(topic, payload, recipients);
		}
		catch (IpcException ex) {
			if (ex.kind() == ErrorKind.FATAL) {
				log.error("IPC client '{}' stops: fatal send error: {}", name, ex.getMessage(), ex);
				stopBecause(ex);
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
		ensureOpen();
		return subscriptions.add(topic, null);
	}

	@Override
	public Subscription subscribeAll() {
		ensureOpen();
		return subscriptions.add(null, null);
	}

	@Override
	public <P> TypedSubscription<P> subscribe(Class<P> payloadType) {
		String topic = Topics.topicOf(payloadType);
		ensureOpen();
		return new DecodingSubscription<>(subscriptions.add(topic, null), payloadType, codec);
	}

	@Override
	public Registration subscribe(String topic, MessageListener listener) {
		Objects.requireNonNull(topic, "topic");
		Objects.requireNonNull(listener, "listener");
		ensureOpen();
		return subscriptions.add(topic, listener);
	}

	@Override
	public Registration subscribeAll(MessageListener listener) {
		Objects.requireNonNull(listener, "listener");
		ensureOpen();
		return subscriptions.add(null, listener);
	}

	@Override
	public <P> Registration subscribe(Class<P> payloadType, TypedMessageListener<P> listener) {
		Objects.requireNonNull(listener, "listener");
		String topic = Topics.topicOf(payloadType);
		ensureOpen();
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
		return request(request, destination, defaultRpcTimeout);
	}

	@Override
	public <R> CompletableFuture<R> request(RpcRequest<R> request, Endpoint destination, Duration timeout) {
		return request(request, destination, timeout, false);
	}

	@Override
	public <R> R call(RpcRequest<R> request, Endpoint destination) throws InterruptedException {
		return call(request, destination, defaultRpcTimeout);
	}

	@Override
	public <R> R call(RpcRequest<R> request, Endpoint destination, Duration timeout) throws InterruptedException {
		Objects.requireNonNull(timeout, "timeout");
		long deadline = System.nanoTime() + Math.min(timeout.toNanos(), Long.MAX_VALUE / 4);
		CompletableFuture<R> future = request(request, destination, timeout, true);
		// reads for itself only while this client receives (else nobody would take the
		// frames it reads)
		boolean drive = receiver != null && isRunning();
		return syncCall.await(future, deadline, drive,
				() -> new RpcTimeoutException(Topics.nameOf(request.getClass()), timeout));
	}

	/**
	 * Starts a request; a {@code sync} one ({@link #call}) is completed on the inbound
	 * thread and timed out by its caller, not the sweeper.
	 */
	@SuppressWarnings("unchecked")
	private <R> CompletableFuture<R> request(RpcRequest<R> request, Endpoint destination, Duration timeout,
			boolean sync) {
		Objects.requireNonNull(request, "request");
		Objects.requireNonNull(destination, "destination");
		Objects.requireNonNull(timeout, "timeout");
		ensureOpen();
		Class<?> requestClass = request.getClass();
		String type = Topics.nameOf(requestClass);
		Type responseType = RpcTypes.responseType(requestClass);
		String id = requestIds.next();
		long start = System.nanoTime();
		IpcObserver.Exchange observation = observer.rpcClient(type, destination, id);
		CompletableFuture<Object> future = new CompletableFuture<>();
		future.whenComplete((value, failure) -> {
			pending.remove(id);
			RpcOutcome outcome = outcomeOf(failure);
			events.rpcClientCompleted(type, outcome, System.nanoTime() - start);
			observation.stop(outcome, (failure != null) ? unwrap(failure) : null);
		});
		byte[] payload;
		try {
			payload = envelopes.encodeRequest(request, id, type, Topics.responseTopicFor(id),
					observation.outgoingContext());
		}
		catch (PayloadCodecException ex) {
			future.completeExceptionally(new RpcSerializationException(type,
					new RpcError.RequestSerialization(String.valueOf(ex.getMessage())), ex));
			return (CompletableFuture<R>) (CompletableFuture<?>) future;
		}
		long deadline = start + Math.min(timeout.toNanos(), Long.MAX_VALUE / 4);
		PendingRequest entry = new PendingRequest(id, type, responseType, destination, future, start, deadline, timeout,
				payload, sync);
		entry.departureSeq = departures.get();
		entry.invalidationSeq = invalidations.get();
		pending.put(id, entry);
		try {
			if (!sync) {
				timeouts.watch(deadline);
			}
			else if (state.get() == IpcClientState.CLOSED) {
				future.completeExceptionally(new IpcClosedException("IPC client '" + name + "' is closed"));
			}
		}
		catch (java.util.concurrent.RejectedExecutionException ex) {
			future.completeExceptionally(new IpcClosedException("IPC client '" + name + "' is closed"));
		}
		if (future.isDone()) {
			pending.remove(id);
		}
		else {
			try {
				sendChecked(new OutgoingMessage(payload, destination, Topics.RPC_REQUEST), deadline);
			}
			catch (IpcException ex) {
				future.completeExceptionally(ex);
			}
		}
		return (CompletableFuture<R>) (CompletableFuture<?>) future;
	}

	// ---------------------------------------------------------------- departures and
	// lost requests

	/**
	 * The transport says {@code peer} left (called on a transport thread, after the
	 * transport handed our receiver every message the peer sent before leaving). The
	 * departure gets the next number of {@link #departures}: requests sent after this
	 * point carry that number or a higher one and belong to a later connection. It is
	 * handled in order with the messages: a {@link PeerDeparture} marker goes into our
	 * receiver behind what it holds, and the inbound path handles it ({@link #departed})
	 * after every earlier message went through the crypto provider, so a reply already
	 * queued still completes its request and is still decrypted with the session the
	 * provider is about to forget. A receiver that cannot take markers falls back to a
	 * short grace delay; a client that is not receiving handles it at once.
	 */
	private void peerLeft(Endpoint peer) {
		PeerDeparture departure = new PeerDeparture(peer, departures.incrementAndGet());
		BackendReceiver rx = receiver;
		if (rx != null) {
			queuedDepartures.add(departure);
			if (rx.insertMarker(departure)) {
				return;
			}
			queuedDepartures.remove(departure);
			if (receiver == rx && isRunning()) {
				try {
					timer.schedule(() -> departed(departure), DISCONNECT_GRACE.toNanos(), TimeUnit.NANOSECONDS);
					return;
				}
				catch (java.util.concurrent.RejectedExecutionException ex) {
					// closed: handle it now
				}
			}
		}
		departed(departure);
	}

	/**
	 * Waits until the inbound path has handled every departure of {@code destination}
	 * noticed so far (normally done already), at most {@link #DEPARTURE_WAIT_LIMIT}. A
	 * message to a peer that left and came back must not go out before the provider has
	 * forgotten the old connection's session: otherwise a session made for the new
	 * connection in between (a handshake completes off the inbound path) would be
	 * forgotten right after, and the peer's answer under it be lost. Never waits on a
	 * thread running the inbound path (it is what handles departures).
	 */
	private void awaitDeparturesOf(Endpoint destination) {
		if (queuedDepartures.isEmpty() || !departureQueuedFor(destination) || Thread.currentThread() == loopThread
				|| processingInline.get() != null) {
			return;
		}
		long deadline = System.nanoTime() + DEPARTURE_WAIT_LIMIT.toNanos();
		departureLock.lock();
		try {
			while (departureQueuedFor(destination)) {
				long remaining = deadline - System.nanoTime();
				if (remaining <= 0) {
					log.debug("IPC client '{}': sending to {} before the inbound path handled its departure", name,
							destination);
					return;
				}
				departureHandled.awaitNanos(remaining);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		finally {
			departureLock.unlock();
		}
	}

	private boolean departureQueuedFor(Endpoint destination) {
		for (PeerDeparture departure : queuedDepartures) {
			if (departure.peer.equals(destination)) {
				return true;
			}
		}
		return false;
	}

	/**
	 * Handles a departure: fails the requests that were pending on the connection that
	 * left (sent before the notice, not answered), tells the crypto provider to forget
	 * the peer, and forgets the peer's recent request ids. Runs on the inbound path (or,
	 * for a client not receiving, on the notifying thread).
	 */
	private void departed(PeerDeparture departure) {
		try {
			forgetDeparted(departure);
		}
		finally {
			queuedDepartures.remove(departure);
			departureLock.lock();
			try {
				departureHandled.signalAll();
			}
			finally {
				departureLock.unlock();
			}
		}
	}

	private void forgetDeparted(PeerDeparture departure) {
		Endpoint peer = departure.peer;
		for (PendingRequest request : pending.values()) {
			if (request.destination.equals(peer) && request.departureSeq < departure.seq
					&& request.awaitingResponse()) {
				dispatcher.execute(() -> request.future
					.completeExceptionally(new IpcUnreachableException(peer, "peer disconnected")));
			}
		}
		recentRequests.forget(peer);
		try {
			crypto.peerDisconnected(cryptoContext, peer);
		}
		catch (RuntimeException ex) {
			log.warn("IPC client '{}': the crypto provider failed to forget the departed peer {}", name, peer, ex);
		}
	}

	/**
	 * The crypto provider reports that {@code peer} could not decrypt a frame of ours (it
	 * answered {@code CryptoInvalidated}; the provider dropped the session and handshakes
	 * again on the next send). A request sent to it before this notice may have been that
	 * frame, so no handler ran for it: re-send each such request once, unchanged (same
	 * request id, within its deadline; the responder de-duplicates by source and request
	 * id, so a request that did get through is not handled twice). One that was re-sent
	 * already fails now with a retryable {@link IpcException} instead of waiting out its
	 * timeout. Called on the inbound path; the re-sends run on the {@code -rpc-resend}
	 * thread because a send may wait for a handshake that the inbound path must process.
	 */
	private void peerCouldNotDecrypt(Endpoint peer) {
		long notice = invalidations.incrementAndGet();
		try {
			// not here: the provider may hold its lock for the peer while it reports the
			// event
			resender.execute(() -> resendAfter(peer, notice));
		}
		catch (java.util.concurrent.RejectedExecutionException ex) {
			// closing: pending requests are failed by close()
		}
	}

	private void resendAfter(Endpoint peer, long notice) {
		for (PendingRequest request : pending.values()) {
			if (!request.destination.equals(peer) || request.invalidationSeq >= notice || !request.awaitingResponse()) {
				continue;
			}
			if (request.resends > 0) {
				dispatcher.execute(() -> request.future.completeExceptionally(new IpcException(ErrorKind.OTHER,
						"RPC " + request.requestType + " to " + peer + " was not delivered: the peer could not decrypt "
								+ "it, twice (CryptoInvalidated), so no handler ran; it is safe to retry")));
				continue;
			}
			request.resends = 1;
			request.invalidationSeq = notice;
			resend(request);
		}
	}

	private void resend(PendingRequest request) {
		if (!request.awaitingResponse() || request.deadlineNanos - System.nanoTime() <= 0 || !isRunning()) {
			return; // answered, or the timeout fails it, or stop() did
		}
		log.debug("IPC client '{}': re-sending RPC {} to {}: the peer could not decrypt it", name, request.requestType,
				request.destination);
		request.departureSeq = departures.get();
		try {
			sendChecked(new OutgoingMessage(request.payload, request.destination, Topics.RPC_REQUEST),
					request.deadlineNanos);
		}
		catch (IpcException ex) {
			request.future.completeExceptionally(ex);
		}
	}

	private static RpcOutcome outcomeOf(@Nullable Throwable failure) {
		if (failure == null) {
			return RpcOutcome.SUCCESS;
		}
		Throwable cause = unwrap(failure);
		if (cause instanceof CancellationException) {
			return RpcOutcome.CANCELLED;
		}
		if (cause instanceof RpcTimeoutException) {
			return RpcOutcome.TIMEOUT;
		}
		if (cause instanceof RpcRemoteException) {
			return RpcOutcome.REMOTE_ERROR;
		}
		if (cause instanceof RpcSerializationException) {
			return RpcOutcome.SERIALIZATION_ERROR;
		}
		if (cause instanceof IpcUnreachableException) {
			return RpcOutcome.UNREACHABLE;
		}
		return RpcOutcome.FAILED;
	}

	static Throwable unwrap(Throwable failure) {
		Throwable cause = failure;
		while ((cause instanceof CompletionException || cause instanceof ExecutionException)
				&& cause.getCause() != null) {
			cause = cause.getCause();
		}
		return cause;
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
		ensureOpen();
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
		return "IpcClient[" + name + ", " + state.get() + "]";
	}

}
