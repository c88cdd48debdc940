package dev.ipc.spi;

/**
 * A receiver's queue was full, so it discarded messages its consumer had not received yet
 * ({@link ErrorKind#OTHER}, recoverable): thrown once by the next {@code receive} after
 * the loss, which then continues with the oldest message still buffered. The client
 * counts each lost message as a {@link dev.ipc.event.DropReason#RECEIVE_QUEUE_OVERFLOW}
 * drop.
 */
public class ReceiverLaggedException extends IpcException {

	private static final long serialVersionUID = 1L;

	private final long lost;

	/** {@code lost} messages were discarded since the previous report. */
	public ReceiverLaggedException(long lost) {
		super(ErrorKind.OTHER, "Receiver lagged: " + lost + " message(s) lost");
		this.lost = lost;
	}

	/** How many messages were discarded since the previous report. */
	public long lost() {
		return lost;
	}

}
