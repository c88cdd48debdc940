package dev.ipc.sample.api;

import dev.ipc.model.IpcPayload;

/**
 * Published by the worker when it finished a sync job; the vault subscribes to it.
 *
 * @param jobId the job's id
 * @param itemsSynced how many items the job synced
 * @param durationMillis how long it took
 */
@IpcPayload("vault.job-completed")
public record JobCompleted(String jobId, int itemsSynced, long durationMillis) {
}
