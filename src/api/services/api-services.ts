import type { ApiDeps } from '../deps.ts';
import { JobControl } from './job-control.ts';
import { JobIntake } from './job-intake.ts';
import { JobQueue } from './job-queue.ts';
import { JobReads } from './job-reads.ts';
import { createOutputUrl } from './job-views.ts';
import { JobWaiter } from './job-waiter.ts';
import { checkReadiness, type Readiness } from './readiness.ts';
import { UploadService } from './upload-service.ts';

/** What the route handlers call: one object per concern, all built from ApiDeps. */
export interface ApiServices {
  uploads: UploadService;
  intake: JobIntake;
  reads: JobReads;
  control: JobControl;
  /** Owns the `?wait=` subscriber connection: close it with the app. */
  waiter: JobWaiter;
  readiness: () => Promise<Readiness>;
}

/** Wires the services; opens nothing until used (the waiter subscribes on the first wait). */
export function createServices(deps: ApiDeps): ApiServices {
  const uploads = new UploadService(deps);
  const queue = new JobQueue(deps.queues, deps.jobs, deps.logger);
  const waiter = new JobWaiter(deps.redis, deps.keys.jobFinishedChannel, deps.logger);
  const reads = new JobReads({
    jobs: deps.jobs,
    storage: deps.storage,
    waiter,
    outputUrl: createOutputUrl(deps.storage, deps.config),
    presignTtlSeconds: deps.config.PRESIGN_TTL_SECONDS,
  });
  return {
    uploads,
    intake: new JobIntake({ ...deps, uploadService: uploads, queue }),
    reads,
    control: new JobControl({ ...deps, queue, reads }),
    waiter,
    readiness: () => checkReadiness(deps),
  };
}
