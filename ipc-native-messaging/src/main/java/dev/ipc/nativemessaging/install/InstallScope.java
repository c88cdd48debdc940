package dev.ipc.nativemessaging.install;

/** Whose browsers see an installed manifest. */
public enum InstallScope {

	/** The current user's browser profiles (no privileges needed). */
	USER,

	/** Every user of the machine (needs write access to a system directory or HKLM). */
	SYSTEM

}
