import type { Queue } from 'bullmq';
import type { ChainableCommander } from 'ioredis';
import type { AccountQueues } from '../queue/account-queues.ts';
import type { QueuePayload } from '../queue/queues.ts';
import { workItemAdds, type Guard, type WorkItem } from '../queue/work-item-adds.ts';
import { workItemName } from '../queue/work-item-name.ts';
import type { LuaScript } from '../redis/lua-scripts.ts';
import type { MemberRef } from './batch-intake-steps.ts';

/** Batch members' work items, their fair-share priorities reserved: ready to add. */
export interface MemberWorkItems {
  /** The scripts the adds run: define them on a connection before creating its pipeline. */
  scripts: LuaScript[];
  /** Queues every add on `pipeline` (each queue's items in the members' order), `onlyIf` so. */
  addTo(pipeline: ChainableCommander, onlyIf?: Guard): void;
}

/**
 * The members' work items, grouped by queue, with `priorities` (theirs, in order: see
 * {@link reservePriorities}; reserved here when not given).
 */
export async function memberWorkItems(
  queues: AccountQueues,
  members: readonly MemberRef[],
  priorities: Promise<number[]> = reservePriorities(queues, members),
): Promise<MemberWorkItems> {
  const reserved = await priorities;
  const groups = new Map<Queue<QueuePayload>, WorkItem[]>();
  for (const [i, member] of members.entries()) {
    const queue = queues.forJob(member.owner, member.type);
    const items = groups.get(queue) ?? [];
    items.push({
      name: workItemName(member),
      jobId: member.id,
      priority: reserved[i] ?? 0,
      ...(member.delayMs === undefined ? {} : { delayMs: member.delayMs }),
    });
    groups.set(queue, items);
  }
  const added = await Promise.all(
    [...groups].map(async ([queue, items]) => ({ adds: await workItemAdds(queue), items })),
  );
  return {
    scripts: added.map(({ adds }) => adds.script),
    addTo: (pipeline, onlyIf) => {
      for (const { adds, items } of added) adds.addTo(pipeline, items, onlyIf);
    },
  };
}

/**
 * Each member's fair-share priority, in the members' order: one reservation (one EVALSHA) per
 * queue and owner in the chunk, its priorities handed out in order, so an owner's members keep
 * their order within each queue. Its reservations go out together, in the order of the calls,
 * so chunks that call it in item order reserve in item order, however many are in flight. A
 * recovery that queues a chunk again reserves again: the duplicate adds are ignored, and the
 * owner's clock has moved on by a chunk, which only costs it some place behind the others.
 */
export async function reservePriorities(
  queues: AccountQueues,
  members: readonly Pick<MemberRef, 'owner' | 'type'>[],
): Promise<number[]> {
  type Group = { queue: ReturnType<AccountQueues['forJob']>; owner: string; at: number[] };
  const groups = new Map<string, Group>();
  for (const [i, member] of members.entries()) {
    const queue = queues.forJob(member.owner, member.type);
    const key = `${queue.name} ${member.owner}`;
    const group = groups.get(key) ?? { queue, owner: member.owner, at: [] };
    group.at.push(i);
    groups.set(key, group);
  }
  const reserved = await Promise.all(
    [...groups.values()].map(({ queue, owner, at }) =>
      queues.reservePriorities(queue, owner, at.length),
    ),
  );
  const priorities: number[] = [];
  for (const [g, { at }] of [...groups.values()].entries()) {
    for (const [j, i] of at.entries()) priorities[i] = reserved[g]?.[j] ?? 0;
  }
  return priorities;
}
