package dev.ipc.internal;

/**
 * A mark a thread sets while it is in a certain kind of code, and that code further down
 * the same thread asks about; it nests (each {@link #enter()} is undone by one
 * {@link #exit()}). The common part of {@link DeliveryGuard} and {@link InboundThread}.
 */
final class ThreadMark {

	private final ThreadLocal<int[]> depth = ThreadLocal.withInitial(() -> new int[1]);

	void enter() {
		depth.get()[0]++;
	}

	void exit() {
		depth.get()[0]--;
	}

	boolean isSet() {
		return depth.get()[0] > 0;
	}

}
