package dev.ipc.support;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Predicate;

import dev.ipc.model.Endpoint;
import dev.ipc.model.IncomingMessage;
import dev.ipc.model.OutgoingMessage;
import dev.ipc.spi.BackendReceiver;
import dev.ipc.spi.CryptoContext;
import dev.ipc.spi.CryptoProvider;
import dev.ipc.spi.IpcException;

/**
 * A crypto provider whose send and receive outcomes the test chooses (the reference's
 * {@code TestCryptoProvider}). By default it passes messages through. It also records
 * what it saw, in order ({@link #trace()}: {@code "recv:<topic>"} for each message it
 * returned, {@code "send:<topic>"} for each send it was asked for, {@code "left:<peer>"}
 * for each {@link #peerDisconnected} call), can hold the receive loop
 * ({@link #holdReceives()}) and can lose chosen outgoing frames
 * ({@link #loseSendsWhere}).
 */
public final class ProgrammableCryptoProvider implements CryptoProvider<Void> {

	private volatile Function<OutgoingMessage, IpcException> sendFailure = message -> null;

	private volatile Predicate<OutgoingMessage> lose = message -> false;

	private volatile IpcException receiveFailure;

	private volatile CountDownLatch receiveGate = new CountDownLatch(0);

	/**
	 * Set by {@link #holdReceives()} and {@link #failReceives}: the receive calls then
	 * wait or fail without a message, which only a pull loop can do, so the provider asks
	 * for one ({@link #processMayBlock()}).
	 */
	private volatile boolean pullOnly;

	private volatile CryptoContext<Void> lastContext;

	private final AtomicInteger receiveCalls = new AtomicInteger();

	private final List<String> trace = new CopyOnWriteArrayList<>();

	private final List<Endpoint> departed = new CopyOnWriteArrayList<>();

	/** Every send fails with {@code error} (or succeeds when {@code null}). */
	public ProgrammableCryptoProvider failSends(IpcException error) {
		this.sendFailure = message -> error;
		return this;
	}

	/** Every receive fails with {@code error} (or passes through when {@code null}). */
	public ProgrammableCryptoProvider failReceives(IpcException error) {
		this.receiveFailure = error;
		this.pullOnly = true;
		return this;
	}

	/**
	 * Sends matching {@code which} succeed but never reach the backend, as a frame the
	 * peer could not decrypt.
	 */
	public ProgrammableCryptoProvider loseSendsWhere(Predicate<OutgoingMessage> which) {
		this.lose = which;
		return this;
	}

	/**
	 * Makes the next receive calls wait (before pulling from the receiver) until
	 * {@link #releaseReceives()}.
	 */
	public ProgrammableCryptoProvider holdReceives() {
		this.receiveGate = new CountDownLatch(1);
		this.pullOnly = true;
		return this;
	}

	/** Lets held receive calls go on. */
	public void releaseReceives() {
		receiveGate.countDown();
	}

	/** How many times {@link #receive} or {@link #process} was called. */
	public int receiveCalls() {
		return receiveCalls.get();
	}

	/** What this provider returned and was told, in order. */
	public List<String> trace() {
		return List.copyOf(trace);
	}

	/** The peers {@link #peerDisconnected} was called for, in order. */
	public List<Endpoint> departed() {
		return List.copyOf(departed);
	}

	/**
	 * The context of the last send or receive (to report events as the provider would).
	 */
	public CryptoContext<Void> context() {
		return lastContext;
	}

	@Override
	public void send(CryptoContext<Void> context, OutgoingMessage message) {
		lastContext = context;
		IpcException failure = sendFailure.apply(message);
		if (failure != null) {
			throw failure;
		}
		trace.add("send:" + message.topic());
		if (lose.test(message)) {
			return;
		}
		context.backend().send(message);
	}

	@Override
	public IncomingMessage receive(CryptoContext<Void> context, BackendReceiver receiver) throws InterruptedException {
		lastContext = context;
		receiveCalls.incrementAndGet();
		IpcException failure = receiveFailure;
		if (failure != null) {
			Thread.sleep(5); // as the reference's test provider, so a failing loop does
								// not spin
			throw failure;
		}
		receiveGate.await();
		IncomingMessage message = receiver.receive();
		trace.add("recv:" + message.topic());
		return message;
	}

	/**
	 * Push-style processing: records and passes the frame through (holds and failures
	 * need the pull loop).
	 */
	@Override
	public IncomingMessage process(CryptoContext<Void> context, IncomingMessage frame) {
		lastContext = context;
		receiveCalls.incrementAndGet();
		trace.add("recv:" + frame.topic());
		return frame;
	}

	@Override
	public boolean processMayBlock() {
		return pullOnly;
	}

	@Override
	public void peerDisconnected(CryptoContext<Void> context, Endpoint peer) {
		trace.add("left:" + peer);
		departed.add(peer);
	}

}
