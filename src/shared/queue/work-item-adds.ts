import { Job, type Queue } from 'bullmq';
import type { ChainableCommander } from 'ioredis';
import type { QueuePayload } from './queues.ts';
import { addScript, luaScript, type LuaScript } from '../redis/lua-scripts.ts';

/** A work item to add: BullMQ job id = the record's id, priority its fair share (0: FIFO). */
export interface WorkItem {
  name: string;
  jobId: string;
  priority: number;
  /** Only for a safety net, which should fire if nobody removes it first. */
  delayMs?: number;
}

/**
 * BullMQ's three ways to add a job, in the order the script below numbers them: a plain FIFO
 * one, a prioritized one, a delayed one (BullMQ picks the same way: a delay wins, then a
 * priority). Each template is the add BullMQ itself would send for such an item.
 */
const KINDS = [{ priority: 0 }, { priority: 1 }, { priority: 1, delay: 1 }] as const;

/**
 * Runs BullMQ's own add scripts (their source as this BullMQ defines them, each wrapped in a
 * function) once per item, so every item is stored exactly as BullMQ's add stores it.
 * KEYS: the queue's keys the three adds use, each once, then the guard's key (or none).
 * ARGV: [1] each add's KEYS as indexes into KEYS (`1,2,3;…`), [2] BullMQ's packed add
 * arguments, [3] the job data, [4–6] each add's packed options, [7] the timestamp, [8] the
 * guard's field and [9] its value ('' for no guard: then no guard key either), then per item
 * its id, name, priority and delay (ms, 0 for none). Adds nothing, and answers 0, when the
 * guard's field does not hold its value; else the number added. An add BullMQ refuses (none
 * in practice: no parents) is an error.
 */
function addWorkItemsLua(adds: readonly string[]): string {
  const functions = adds.map((lua, i) => `local function add_${i + 1}(KEYS, ARGV)\n${lua}\nend\n`);
  return `${functions.join('')}
local adds = {add_1, add_2, add_3}
local layouts = {}
for list in string.gmatch(ARGV[1], '[^;]+') do
  local keys = {}
  for index in string.gmatch(list, '%d+') do keys[#keys + 1] = KEYS[tonumber(index)] end
  layouts[#layouts + 1] = keys
end
if ARGV[9] ~= '' and redis.call('HGET', KEYS[#KEYS], ARGV[8]) ~= ARGV[9] then return 0 end
local args = cmsgpack.unpack(ARGV[2])
local data = ARGV[3]
local options = {cmsgpack.unpack(ARGV[4]), cmsgpack.unpack(ARGV[5]), cmsgpack.unpack(ARGV[6])}
args[4] = tonumber(ARGV[7])
local added = 0
for i = 10, #ARGV, 4 do
  local priority = tonumber(ARGV[i + 2])
  local delay = tonumber(ARGV[i + 3])
  local kind = 1
  if delay > 0 then kind = 3 elseif priority > 0 then kind = 2 end
  local opts = options[kind]
  opts['priority'] = priority
  if kind == 3 then opts['delay'] = delay end
  args[2] = ARGV[i]
  args[3] = ARGV[i + 1]
  local result = adds[kind](layouts[kind], {cmsgpack.pack(args), data, cmsgpack.pack(opts)})
  if type(result) == 'number' and result < 0 then
    return redis.error_reply('BullMQ refused work item ' .. ARGV[i] .. ': ' .. result)
  end
  added = added + 1
end
return added
`;
}

/** A hash field that must hold `value` for the adds to happen (on the queue's slot). */
export interface Guard {
  key: string;
  field: string;
  value: string;
}

type ScriptHost = { scriptsSet: Record<string, { lua: string } | undefined> };
type CapturedAdd = { command: string; args: unknown[] };

/**
 * Adds work items to one queue with one script call, as BullMQ's `add` would add each: same
 * job hash, same place in `wait`, `prioritized` or `delayed`, same events. BullMQ's add costs
 * its caller a `Job`, its options packed and a 12-argument EVALSHA per item, which made it
 * half of a 10,000-item batch's intake (B2); here an item is four short strings. What BullMQ
 * would send is captured once per queue (a template per kind of add), so its keys, argument
 * layout and option encoding stay BullMQ's own; only the id, name, timestamp, priority and
 * delay of each item are set by the script.
 */
export class WorkItemAdds {
  /** The script to define on a transaction's connection before creating the transaction. */
  readonly script: LuaScript;
  readonly #keys: string[];
  readonly #fixedArgs: unknown[];

  private constructor(script: LuaScript, keys: string[], fixedArgs: unknown[]) {
    this.script = script;
    this.#keys = keys;
    this.#fixedArgs = fixedArgs;
  }

  static async of(queue: Queue<QueuePayload>): Promise<WorkItemAdds> {
    const captured = await Promise.all(KINDS.map((options) => captureAdd(queue, options)));
    // Awaiting the queue's client means BullMQ has defined its scripts there.
    const host = (await queue.getBackend().client) as unknown as ScriptHost;
    const sources = captured.map(({ command }) => {
      const lua = host.scriptsSet[command]?.lua;
      if (lua === undefined) throw new Error(`BullMQ's script ${command} is not defined`);
      return lua;
    });
    const keys: string[] = [];
    const layouts = captured.map(({ args }) =>
      (args.slice(0, -3) as string[]).map((key) => {
        if (!keys.includes(key)) keys.push(key);
        return keys.indexOf(key) + 1;
      }),
    );
    const [standard, prioritized, delayed] = captured;
    if (!standard || !prioritized || !delayed) throw new Error('a template add is missing');
    const fixedArgs = [
      layouts.map((layout) => layout.join(',')).join(';'),
      standard.args.at(-3),
      standard.args.at(-2),
      standard.args.at(-1),
      prioritized.args.at(-1),
      delayed.args.at(-1),
    ];
    return new WorkItemAdds(luaScript('add_work_items', addWorkItemsLua(sources)), keys, fixedArgs);
  }

  /**
   * Queues the adds of `items` on `transaction` (whose connection defined {@link script}); with
   * `onlyIf`, they happen only if that hash field holds that value when the script runs.
   */
  addTo(transaction: ChainableCommander, items: readonly WorkItem[], onlyIf?: Guard): void {
    if (items.length === 0) return;
    const keys = onlyIf ? [...this.#keys, onlyIf.key] : this.#keys;
    const args = [...this.#fixedArgs, Date.now(), onlyIf?.field ?? '', onlyIf?.value ?? ''];
    for (const item of items) args.push(item.jobId, item.name, item.priority, item.delayMs ?? 0);
    // The packed arguments and options are Buffers: ioredis sends them as they are.
    addScript(transaction, this.script, keys, args as string[]);
  }
}

const addsOfQueue = new WeakMap<Queue<QueuePayload>, Promise<WorkItemAdds>>();

/** The queue's {@link WorkItemAdds}, captured once (again after a failed capture). */
export function workItemAdds(queue: Queue<QueuePayload>): Promise<WorkItemAdds> {
  let adds = addsOfQueue.get(queue);
  if (adds === undefined) {
    adds = WorkItemAdds.of(queue);
    addsOfQueue.set(queue, adds);
    adds.catch(() => addsOfQueue.delete(queue));
  }
  return adds;
}

/** The add BullMQ would send for a job of these options: its script's name and arguments. */
async function captureAdd(
  queue: Queue<QueuePayload>,
  options: { priority: number; delay?: number },
): Promise<CapturedAdd> {
  let add: CapturedAdd | null = null;
  const recorder = {
    runCommand(command: string, args: unknown[]) {
      add = { command, args };
      return 'template';
    },
  };
  const job = new Job<QueuePayload>(
    queue,
    'template',
    // No `job_id`: an item's BullMQ id is the record's id already (recordIdOf).
    {},
    { ...queue.defaultJobOptions, ...options },
    // The id goes to the constructor only: in the options too it would be stored a second
    // time in every BullMQ job hash (the hash's key already ends with it).
    'template',
  );
  await job.addJob(recorder as never);
  if (add === null) throw new Error('BullMQ sent no add');
  return add;
}
