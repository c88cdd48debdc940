package dev.ipc.spring.annotation;

import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;

import dev.ipc.model.Source;

/**
 * Which sources an annotated handler accepts: by name ({@link IpcSubscriber#sources()})
 * and by verified OS user ({@link IpcSubscriber#users()}). Both must match when both are
 * given. Sources are stamped by the receiving transport, never taken from the sender, so
 * the check can be trusted as far as the transport's verification goes.
 *
 * @author IPC contributors
 * @since 0.1.0
 */
public final class SourceFilter {

	/** Accepts every source. */
	public static final SourceFilter ANY = new SourceFilter(Set.of(), Set.of());

	private final Set<String> sources;

	private final Set<String> users;

	private SourceFilter(Set<String> sources, Set<String> users) {
		this.sources = sources;
		this.users = users;
	}

	/**
	 * A filter accepting the given source names and users; an empty collection accepts
	 * everything.
	 * @param sources names of accepted sources
	 * @param users accepted OS users
	 * @return the filter
	 */
	public static SourceFilter of(Collection<String> sources, Collection<String> users) {
		if (sources.isEmpty() && users.isEmpty()) {
			return ANY;
		}
		return new SourceFilter(Set.copyOf(new TreeSet<>(sources)), Set.copyOf(new TreeSet<>(users)));
	}

	/**
	 * Whether a message from {@code source} is accepted. A user restriction rejects a
	 * source whose user the transport could not verify.
	 * @param source the message's source
	 * @return whether it is accepted
	 */
	public boolean accepts(Source source) {
		if (!this.sources.isEmpty() && !this.sources.contains(nameOf(source))) {
			return false;
		}
		if (!this.users.isEmpty()) {
			return source instanceof Source.Named named && named.user() != null && this.users.contains(named.user());
		}
		return true;
	}

	/** Whether this filter accepts every source. */
	public boolean isUnrestricted() {
		return this.sources.isEmpty() && this.users.isEmpty();
	}

	/** The accepted source names (empty: any). */
	public Set<String> getSources() {
		return new TreeSet<>(this.sources);
	}

	/** The accepted OS users (empty: any). */
	public Set<String> getUsers() {
		return new TreeSet<>(this.users);
	}

	/**
	 * The name a source is matched by: a named source's name, else the variant name
	 * ({@code DesktopMain}, {@code DesktopRenderer}, {@code BrowserBackground},
	 * {@code BrowserForeground}, {@code Web}).
	 * @param source the source
	 * @return its name
	 */
	public static String nameOf(Source source) {
		if (source instanceof Source.Named named) {
			return named.name();
		}
		if (source instanceof Source.Web) {
			return "Web";
		}
		if (source instanceof Source.BrowserForeground) {
			return "BrowserForeground";
		}
		if (source instanceof Source.BrowserBackground) {
			return "BrowserBackground";
		}
		if (source instanceof Source.DesktopRenderer) {
			return "DesktopRenderer";
		}
		return "DesktopMain";
	}

	@Override
	public String toString() {
		if (isUnrestricted()) {
			return "any source";
		}
		return "sources=" + new TreeSet<>(this.sources) + ", users=" + new TreeSet<>(this.users);
	}

}
