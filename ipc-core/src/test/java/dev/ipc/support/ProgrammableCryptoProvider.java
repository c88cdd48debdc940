package dev.ipc.support;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import dev.ipc.model.IncomingMessage;
import dev.ipc.model.OutgoingMessage;
import dev.ipc.spi.BackendReceiver;
import dev.ipc.spi.CryptoContext;
import dev.ipc.spi.CryptoProvider;
import dev.ipc.spi.IpcException;

/**
 * A crypto provider whose send and receive outcomes the test chooses (the reference's {@code TestCryptoProvider}).
 * By default it passes messages through.
 */
public final class ProgrammableCryptoProvider implements CryptoProvider<Void> {

	private volatile Function<OutgoingMessage, IpcException> sendFailure = message -> null;

	private volatile IpcException receiveFailure;

	private final AtomicInteger receiveCalls = new AtomicInteger();

	/** Every send fails with {@code error} (or succeeds when {@code null}). */
	public ProgrammableCryptoProvider failSends(IpcException error) {
		this.sendFailure = message -> error;
		return this;
	}

	/** Every receive fails with {@code error} (or passes through when {@code null}). */
	public ProgrammableCryptoProvider failReceives(IpcException error) {
		this.receiveFailure = error;
		return this;
	}

	/** How many times {@link #receive} was called. */
	public int receiveCalls() {
		return receiveCalls.get();
	}

	@Override
	public void send(CryptoContext<Void> context, OutgoingMessage message) {
		IpcException failure = sendFailure.apply(message);
		if (failure != null) {
			throw failure;
		}
		context.backend().send(message);
	}

	@Override
	public IncomingMessage receive(CryptoContext<Void> context, BackendReceiver receiver) throws InterruptedException {
		receiveCalls.incrementAndGet();
		IpcException failure = receiveFailure;
		if (failure != null) {
			Thread.sleep(5); // as the reference's test provider, so a failing loop does not spin
			throw failure;
		}
		return receiver.receive();
	}

}
