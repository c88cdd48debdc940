package dev.ipc.crypto.noise;

import org.jspecify.annotations.Nullable;

import dev.ipc.model.Endpoint;
import dev.ipc.spi.CryptoContext;
import dev.ipc.spi.ErrorKind;
import dev.ipc.spi.IpcException;
import dev.ipc.spi.SessionRepository;

/**
 * How the Noise provider reads and writes sessions in the {@link SessionRepository}.
 * Every method runs under the peer's lock; a repository failure is a
 * {@link ErrorKind#FATAL} {@link IpcException}.
 *
 * <p>
 * A repository that is not {@linkplain SessionRepository#isDurable() durable} (the
 * in-memory one) is the session's home: it is read on every use and written after every
 * change, which costs a map operation.
 *
 * <p>
 * A durable repository is kept off the hot path. The provider reads a peer's session from
 * it once and then works on that copy ({@link PeerState#working}). What it persists is
 * ahead of use on the send side: the stored send nonce is a high-water mark reserved in
 * blocks (of {@value #SEND_NONCE_BLOCK} nonces at first, doubling up to 2^24 while a peer
 * reserves more often than every 250 ms), {@linkplain SessionRepository#save saved}
 * (durably) before the first nonce of a block is used. After a crash (even SIGKILL) the
 * restarted provider continues above the mark, so no nonce is ever used twice; the peer
 * accepts the gap (nonces only have to increase). The receive side is saved
 * {@linkplain SessionRepository#saveDeferred deferred} every {@value #RECEIVE_SAVE_BATCH}
 * frames (and durably with every reservation): after a crash the stored receive nonce may
 * lag behind (by the frames since the last durable write), so those of the peer's last
 * frames could be replayed to a restarted process, and only if an attacker on the
 * transport recorded them.
 */
final class SessionAccess {

	/** Send nonces reserved per durable write, at first. */
	static final long SEND_NONCE_BLOCK = 1024;

	/** The largest block: a peer that sends fast doubles its block up to this. */
	static final long MAX_SEND_NONCE_BLOCK = 1L << 24;

	/**
	 * A reservation sooner than this after the previous one doubles the block (so a few
	 * writes per second at most).
	 */
	private static final long FAST_RESERVATION_NANOS = 250_000_000L;

	/** Received frames per durable write of the receive nonce. */
	static final int RECEIVE_SAVE_BATCH = 64;

	private SessionAccess() {
	}

	/** The current session of {@code peer}, or {@code null}. */
	static @Nullable NoiseSession load(CryptoContext<NoiseSession> context, PeerState p, Endpoint peer) {
		SessionRepository<NoiseSession> repository = context.sessions();
		boolean durable = repository.isDurable();
		if (durable && p.working != null) {
			if (!p.working.isDestroyed()) {
				return p.working;
			}
			p.working = null;
		}
		NoiseSession session;
		try {
			session = repository.get(peer).orElse(null);
		}
		catch (IpcException ex) {
			throw ex;
		}
		catch (RuntimeException ex) {
			throw repositoryFailure("read", peer, ex);
		}
		if (session == null || session.isDestroyed()) {
			return null;
		}
		if (durable) {
			p.working = session;
			p.reservedSendNonce = session.state().sendNonce(); // the stored value is a
																// reservation already
																// used up
			p.unsavedReceives = 0;
		}
		return session;
	}

	/**
	 * Installs {@code session} as the peer's current session (a new handshake, an adopted
	 * one); durable at once.
	 */
	static void install(CryptoContext<NoiseSession> context, PeerState p, Endpoint peer, NoiseSession session) {
		Fragmentation.discard(p, "the session changed");
		if (!context.sessions().isDurable()) {
			save(context, peer, session);
			return;
		}
		p.working = session;
		p.unsavedReceives = 0;
		reserve(context, p, peer, session);
	}

	/**
	 * Called before {@code session} encrypts with its next nonce: makes sure that nonce
	 * is covered by a durable reservation (writes the next block when it is not).
	 */
	static void beforeEncrypt(CryptoContext<NoiseSession> context, PeerState p, Endpoint peer, NoiseSession session) {
		if (context.sessions().isDurable()
				&& Long.compareUnsigned(session.state().sendNonce(), p.reservedSendNonce) >= 0) {
			reserve(context, p, peer, session);
		}
	}

	/**
	 * Called after {@code session} encrypted (the non-durable repository stores the new
	 * nonce before it leaves).
	 */
	static void afterEncrypt(CryptoContext<NoiseSession> context, Endpoint peer, NoiseSession session) {
		if (!context.sessions().isDurable()) {
			save(context, peer, session);
		}
	}

	/** Called after {@code session} accepted a frame. */
	static void afterDecrypt(CryptoContext<NoiseSession> context, PeerState p, Endpoint peer, NoiseSession session) {
		if (!context.sessions().isDurable()) {
			save(context, peer, session);
			return;
		}
		if (++p.unsavedReceives >= RECEIVE_SAVE_BATCH) {
			persist(context, p, peer, session, false);
		}
	}

	/** Removes the peer's session from the repository (and the working copy). */
	static void remove(CryptoContext<NoiseSession> context, PeerState p, Endpoint peer) {
		Fragmentation.discard(p, "the session was removed");
		p.working = null;
		p.unsavedReceives = 0;
		try {
			context.sessions().remove(peer);
		}
		catch (IpcException ex) {
			throw ex;
		}
		catch (RuntimeException ex) {
			throw repositoryFailure("remove", peer, ex);
		}
	}

	private static void reserve(CryptoContext<NoiseSession> context, PeerState p, Endpoint peer, NoiseSession session) {
		long now = System.nanoTime();
		long block = p.reserveBlock;
		if (block == 0) {
			block = SEND_NONCE_BLOCK;
		}
		else if (now - p.lastReservationNanos < FAST_RESERVATION_NANOS) {
			block = Math.min(MAX_SEND_NONCE_BLOCK, block * 2);
		}
		p.reserveBlock = block;
		p.lastReservationNanos = now;
		long used = session.state().sendNonce();
		long mark = (Long.compareUnsigned(used, -1L - block) >= 0) ? -1L : used + block;
		p.reservedSendNonce = mark;
		persist(context, p, peer, session, true);
	}

	/**
	 * Writes the working session with the reserved send nonce and the current receive
	 * nonce.
	 */
	private static void persist(CryptoContext<NoiseSession> context, PeerState p, Endpoint peer, NoiseSession session,
			boolean durableNow) {
		NoiseTransportState state = session.state();
		NoiseSession stored = new NoiseSession(new NoiseTransportState(state.transportCipher(), state.sendKey(),
				state.receiveKey(), p.reservedSendNonce, state.receiveNonce(), state.lastHandshakeTime()))
			.fragmentLimit(session.fragmentLimit());
		try {
			if (durableNow) {
				context.sessions().save(peer, stored);
			}
			else {
				context.sessions().saveDeferred(peer, stored);
			}
		}
		catch (IpcException ex) {
			p.reservedSendNonce = state.sendNonce(); // not reserved: the next encryption
														// tries again
			throw ex;
		}
		catch (RuntimeException ex) {
			p.reservedSendNonce = state.sendNonce();
			throw repositoryFailure("save", peer, ex);
		}
		p.unsavedReceives = 0;
	}

	private static void save(CryptoContext<NoiseSession> context, Endpoint peer, NoiseSession session) {
		try {
			context.sessions().save(peer, session);
		}
		catch (IpcException ex) {
			throw ex;
		}
		catch (RuntimeException ex) {
			throw repositoryFailure("save", peer, ex);
		}
	}

	private static IpcException repositoryFailure(String operation, Endpoint peer, RuntimeException ex) {
		return new IpcException(ErrorKind.FATAL, "Session repository failed to " + operation + " the session for "
				+ peer + ": " + ex.getClass().getSimpleName(), ex);
	}

}
