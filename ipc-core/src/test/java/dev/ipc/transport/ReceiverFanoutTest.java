package dev.ipc.transport;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;

import dev.ipc.model.Endpoint;
import dev.ipc.model.IncomingMessage;
import dev.ipc.model.Source;
import dev.ipc.spi.BackendReceiver;
import dev.ipc.spi.IpcClosedException;
import dev.ipc.spi.ReceiveMarker;
import dev.ipc.spi.ReceiverLaggedException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Markers keep their place among the messages; a lag is reported with its count. */
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

	@Test
	void nothingIsDeliveredInlineWhileAMarkerIsQueuedOrBeingHandled() throws Exception {
		ReceiverFanout fanout = new ReceiverFanout(8);
		BackendReceiver rx = fanout.subscribe();
		List<String> inline = new CopyOnWriteArrayList<>();
		rx.deliverInline(message -> inline.add(message.topic()));
		fanout.publish(message("a")); // the consumer is idle and nothing is buffered: inline
		Marker marker = new Marker("m");
		rx.insertMarker(marker);
		fanout.publish(message("b")); // behind the marker: buffered
		assertThatThrownBy(rx::receive).isSameAs(marker);
		fanout.publish(message("c")); // the consumer is still handling the marker: buffered
		assertThat(inline).containsExactly("a");
		assertThat(rx.receive().topic()).isEqualTo("b");
		assertThat(rx.receive().topic()).isEqualTo("c");
		assertThat(rx.receive(NOW)).isNull(); // idle again
		fanout.publish(message("d"));
		assertThat(inline).containsExactly("a", "d");
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
