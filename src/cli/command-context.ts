import type { ApiClient } from './api-client.ts';

/** What every command gets: the API client and where its human output goes. */
export interface CommandContext {
  client: ApiClient;
  /** Standard output (tables, summaries; JSON with --json). */
  print: (line: string) => void;
  /** Standard error (warnings, and human chatter when stdout carries JSON). */
  printError: (line: string) => void;
  /** The stream a live progress bar may draw on, when it is a terminal. */
  stdout: NodeJS.WriteStream;
}
