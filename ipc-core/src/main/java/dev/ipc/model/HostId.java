package dev.ipc.model;

/**
 * Identifies a host endpoint: a hub that manages connections for others, such as a
 * browser's background script (spec §1.1).
 *
 * <p>
 * JSON form (serde, externally tagged): {@code "Own"} or {@code {"Id":5}}. Equality is
 * structural, so {@code Own} never equals {@code Id(0)}.
 */
public sealed interface HostId permits HostId.Own, HostId.Id {

	/** The one host of this kind as seen from the sender (relational addressing). */
	HostId OWN = new Own();

	/** Returns {@link #OWN}. */
	static HostId own() {
		return OWN;
	}

	/** Returns the host with the given transport-assigned numeric id. */
	static HostId id(int id) {
		return new Id(id);
	}

	/** "The one host of this kind as seen from me". Use {@link HostId#OWN}. */
	record Own() implements HostId {
		@Override
		public String toString() {
			return "Own";
		}
	}

	/** A specific host instance, identified by a transport-assigned number. */
	record Id(int id) implements HostId {
		@Override
		public String toString() {
			return "Id(" + id + ")";
		}
	}

}
