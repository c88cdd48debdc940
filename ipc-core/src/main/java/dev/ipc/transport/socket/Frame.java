package dev.ipc.transport.socket;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

import dev.ipc.model.Endpoint;
import dev.ipc.model.Source;

/**
 * One frame of the socket transport protocol (see {@code docs/transport-protocol.md}).
 * Each frame travels as a 4-byte big-endian length followed by one CBOR value, the frame
 * externally tagged as a serde enum.
 */
sealed interface Frame {

	/**
	 * Peer → host, first frame: the protocol versions the peer speaks and the endpoint it
	 * registers.
	 */
	record Hello(List<Integer> versions, Endpoint endpoint) implements Frame {
		public Hello {
			versions = List.copyOf(versions);
			Objects.requireNonNull(endpoint, "endpoint");
		}
	}

	/**
	 * Host → peer: registration accepted; the chosen version, the host's endpoint and the
	 * other peers.
	 */
	record Welcome(int version, Endpoint host, List<Endpoint> peers) implements Frame {
		public Welcome {
			Objects.requireNonNull(host, "host");
			peers = List.copyOf(peers);
		}
	}

	/** Host → peer: registration refused; the host closes the connection after it. */
	record Rejected(String reason, String detail) implements Frame {
		public Rejected {
			Objects.requireNonNull(reason, "reason");
			Objects.requireNonNull(detail, "detail");
		}
	}

	/**
	 * Peer → host: a message for {@code destination} (the host itself or another peer).
	 */
	record Message(Endpoint destination, @Nullable String topic, byte[] payload) implements Frame {
		public Message {
			Objects.requireNonNull(destination, "destination");
			Objects.requireNonNull(payload, "payload");
		}

		@Override
		public boolean equals(Object o) {
			return o instanceof Message m && destination.equals(m.destination) && Objects.equals(topic, m.topic)
					&& Arrays.equals(payload, m.payload);
		}

		@Override
		public int hashCode() {
			return Objects.hash(destination, topic, Arrays.hashCode(payload));
		}

		@Override
		public String toString() {
			return "Message[destination=" + destination + ", topic=" + topic + ", payload=" + payload.length
					+ " bytes]";
		}
	}

	/**
	 * Host → peer: a message with the {@code source} the host stamped from the sender's
	 * registration.
	 */
	record Deliver(Source source, Endpoint destination, @Nullable String topic, byte[] payload) implements Frame {
		public Deliver {
			Objects.requireNonNull(source, "source");
			Objects.requireNonNull(destination, "destination");
			Objects.requireNonNull(payload, "payload");
		}

		@Override
		public boolean equals(Object o) {
			return o instanceof Deliver d && source.equals(d.source) && destination.equals(d.destination)
					&& Objects.equals(topic, d.topic) && Arrays.equals(payload, d.payload);
		}

		@Override
		public int hashCode() {
			return Objects.hash(source, destination, topic, Arrays.hashCode(payload));
		}

		@Override
		public String toString() {
			return "Deliver[source=" + source + ", destination=" + destination + ", topic=" + topic + ", payload="
					+ payload.length + " bytes]";
		}
	}

	/** Host → peers: an endpoint registered. */
	record PeerJoined(Endpoint endpoint) implements Frame {
		public PeerJoined {
			Objects.requireNonNull(endpoint, "endpoint");
		}
	}

	/** Host → peers: an endpoint's connection closed. */
	/**
	 * Version 2 only, host to peer: {@code id} names {@code source} in compact frames on
	 * this connection, until the endpoint's {@code PeerLeft}. Sent before the
	 * {@code PeerJoined} (or right after the {@code Welcome}) it belongs to.
	 */
	record Bind(int id, Source source) implements Frame {
		public Bind {
			Objects.requireNonNull(source, "source");
		}
	}

	record PeerLeft(Endpoint endpoint) implements Frame {
		public PeerLeft {
			Objects.requireNonNull(endpoint, "endpoint");
		}
	}

	/** Either side: asks for a {@link Pong}. */
	/**
	 * Peer to host, version 3: the peer now subscribes to exactly these topics (the whole
	 * set, replacing its previous announcement).
	 */
	record Subscriptions(List<String> topics) implements Frame {
		public Subscriptions {
			topics = List.copyOf(topics);
		}
	}

	/**
	 * Host to peer, version 3: {@code endpoint} now subscribes to exactly these topics
	 * (empty: to none); sent to every version-3 peer on each change, and the whole table
	 * right after {@code Welcome}.
	 */
	record Subscribers(Endpoint endpoint, List<String> topics) implements Frame {
		public Subscribers {
			Objects.requireNonNull(endpoint, "endpoint");
			topics = List.copyOf(topics);
		}
	}

	record Ping() implements Frame {
	}

	/** Either side: the answer to a {@link Ping}. */
	record Pong() implements Frame {
	}

	Ping PING = new Ping();

	Pong PONG = new Pong();

}
