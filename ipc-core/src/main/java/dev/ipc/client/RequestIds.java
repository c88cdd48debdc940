package dev.ipc.client;

import java.security.SecureRandom;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Request ids in the wire format the reference expects (a version-4 UUID, canonical
 * lowercase, 36 characters), without a {@link UUID#randomUUID()} per request: 122 random
 * bits are drawn once per client, and each request adds a counter to the low half. Ids
 * are unique per client (2^62 requests) and across clients and restarts with the
 * probability of random UUIDs; they are correlation ids, not secrets (they travel
 * encrypted and are echoed by the responder).
 */
final class RequestIds {

	private static final SecureRandom RANDOM = new SecureRandom();

	private final long high;

	private final AtomicLong low;

	RequestIds() {
		long h = RANDOM.nextLong();
		this.high = (h & ~0xF000L) | 0x4000L; // version 4
		this.low = new AtomicLong(RANDOM.nextLong());
	}

	/** The next id. */
	String next() {
		long l = low.incrementAndGet();
		return new UUID(high, (l & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L).toString(); // variant
																									// 10
	}

}
