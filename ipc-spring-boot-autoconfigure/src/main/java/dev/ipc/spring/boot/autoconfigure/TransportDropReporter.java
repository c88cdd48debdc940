package dev.ipc.spring.boot.autoconfigure;

import java.util.List;

import org.jspecify.annotations.Nullable;

import dev.ipc.event.DropReason;
import dev.ipc.event.IpcEventListener;
import dev.ipc.model.Endpoint;

import org.springframework.beans.factory.ObjectProvider;

/**
 * Reports a transport's dropped frames to the context's {@link IpcEventListener} beans
 * (metrics among them), for the auto-configurations of transports (socket here, NATS and
 * others in their own modules). The beans are looked up on the first drop, not injected:
 * they may themselves depend on the transport (for gauges), so the transport cannot wait
 * for them. A listener that throws is the listeners' own concern
 * ({@link IpcEventListener#composite}).
 *
 * @author IPC contributors
 */
public final class TransportDropReporter implements IpcEventListener {

	private final ObjectProvider<IpcEventListener> provider;

	private volatile @Nullable IpcEventListener delegate;

	/** Reports to the listeners {@code provider} finds when the first drop happens. */
	public TransportDropReporter(ObjectProvider<IpcEventListener> provider) {
		this.provider = provider;
	}

	@Override
	public void messageDropped(DropReason reason, @Nullable Endpoint peer) {
		IpcEventListener target = this.delegate;
		if (target == null) {
			List<IpcEventListener> listeners = this.provider.orderedStream().toList();
			target = listeners.isEmpty() ? IpcEventListener.NOOP : IpcEventListener.composite(listeners);
			this.delegate = target;
		}
		target.messageDropped(reason, peer);
	}

}
