package dev.ipc.transport;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;

import dev.ipc.internal.DeliveryGuard;
import dev.ipc.model.Endpoint;
import dev.ipc.model.IncomingMessage;
import dev.ipc.model.Source;
import dev.ipc.spi.BackendReceiver;
import dev.ipc.spi.InboundSink;
import dev.ipc.spi.IpcClosedException;
import dev.ipc.spi.ReceiveMarker;
import dev.ipc.spi.ReceiverLaggedException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Markers keep their place among the messages; a lag is reported with its count; push
 * delivery keeps order.
 */
class ReceiverFanoutTest {

	private static final Source PEER = Source.of(Endpoint.named("peer"));

	private static final Duration NOW = Duration.ZERO;

	static final class Marker extends ReceiveMarker {

		private static final long serialVersionUID = 1L;

		Marker(String name) {
			super(name);
		}

	}

	private static IncomingMessage message(String topic) {
		return new IncomingMessage(new byte[0], Endpoint.named("me"), PEER, topic);
	}

	@Test
	void aMarkerIsThrownAfterTheMessagesBufferedBeforeItAndBeforeTheOnesAfter() throws Exception {
		ReceiverFanout fanout = new ReceiverFanout(8);
		BackendReceiver rx = fanout.subscribe();
		Marker marker = new Marker("m");
		fanout.publish(message("a"));
		fanout.publish(message("b"));
		assertThat(rx.insertMarker(marker)).isTrue();
		fanout.publish(message("c"));
		assertThat(rx.receive().topic()).isEqualTo("a");
		assertThat(rx.receive(NOW).topic()).isEqualTo("b");
		assertThatThrownBy(rx::receive).isSameAs(marker);
		assertThat(rx.receive().topic()).isEqualTo("c");
		assertThat(rx.receive(NOW)).isNull();
	}

	@Test
	void overflowDropsMessagesButNeverMarkersAndReportsTheCount() throws Exception {
		ReceiverFanout fanout = new ReceiverFanout(2);
		BackendReceiver rx = fanout.subscribe();
		Marker marker = new Marker("m");
		rx.insertMarker(marker);
		for (int i = 1; i <= 5; i++) {
			fanout.publish(message("t" + i));
		}
		assertThatThrownBy(rx::receive).isInstanceOfSatisfying(ReceiverLaggedException.class,
				lag -> assertThat(lag.lost()).isEqualTo(3));
		assertThatThrownBy(rx::receive).isSameAs(marker);
		assertThat(rx.receive().topic()).isEqualTo("t4");
		assertThat(rx.receive().topic()).isEqualTo("t5");
	}

	/** A sink that records what it was handed, and on which thread. */
	private static final class RecordingSink implements InboundSink {

		final List<String> seen = new CopyOnWriteArrayList<>();

		final List<Thread> threads = new CopyOnWriteArrayList<>();

		volatile Runnable duringMessage = () -> {
		};

		@Override
		public void message(IncomingMessage message) {
			threads.add(Thread.currentThread());
			seen.add(message.topic());
			duringMessage.run();
		}

		@Override
		public void marker(ReceiveMarker marker) {
			seen.add("marker:" + marker.getMessage());
		}

		@Override
		public void lagged(long lost) {
			seen.add("lost:" + lost);
		}

	}

	@Test
	void pushDeliversOnThePublishingThreadInOrderWithMarkersInPlace() {
		ReceiverFanout fanout = new ReceiverFanout(8);
		BackendReceiver rx = fanout.subscribe();
		fanout.publish(message("early")); // before deliverTo: handed over by deliverTo
											// itself
		RecordingSink sink = new RecordingSink();
		assertThat(rx.deliverTo(sink)).isTrue();
		fanout.publish(message("a"));
		rx.insertMarker(new Marker("m"));
		fanout.publish(message("b"));
		assertThat(sink.seen).containsExactly("early", "a", "marker:m", "b");
		assertThat(sink.threads).containsOnly(Thread.currentThread());
		assertThatThrownBy(rx::receive).isInstanceOf(IllegalStateException.class);
	}

	@Test
	void aMessagePublishedWhileTheSinkIsBusyIsHandedOverRightAfterByTheBusyThread() {
		ReceiverFanout fanout = new ReceiverFanout(8);
		BackendReceiver rx = fanout.subscribe();
		RecordingSink sink = new RecordingSink();
		rx.deliverTo(sink);
		sink.duringMessage = () -> {
			sink.duringMessage = () -> {
			};
			fanout.publish(message("nested")); // re-entrant: queued, not handed over
												// inside this call
			assertThat(sink.seen).containsExactly("first");
		};
		fanout.publish(message("first"));
		assertThat(sink.seen).containsExactly("first", "nested");
	}

	@Test
	void aThreadHoldingProviderLocksLeavesTheDeliveryToTheHelperThread() {
		ReceiverFanout fanout = new ReceiverFanout(8);
		BackendReceiver rx = fanout.subscribe();
		RecordingSink sink = new RecordingSink();
		rx.deliverTo(sink);
		DeliveryGuard.enter();
		try {
			fanout.publish(message("guarded"));
		}
		finally {
			DeliveryGuard.exit();
		}
		await().atMost(Duration.ofSeconds(5)).until(() -> sink.seen.contains("guarded"));
		assertThat(sink.threads.get(0)).isNotSameAs(Thread.currentThread());
		assertThat(sink.threads.get(0).getName()).startsWith("ipc-inbound-");
		rx.close();
	}

	@Test
	void aClosedReceiverRefusesMarkers() {
		ReceiverFanout fanout = new ReceiverFanout(8);
		BackendReceiver rx = fanout.subscribe();
		rx.insertMarker(new Marker("discarded"));
		rx.close();
		assertThat(rx.insertMarker(new Marker("m"))).isFalse();
		assertThatThrownBy(rx::receive).isInstanceOf(IpcClosedException.class);
	}

}
