/**
 * Request validation in the upstream's 422 shape (FastAPI/pydantic v2):
 * `{"detail": [{"loc": ["query", "output_format"], "msg": "...", "type": "enum"}, ...]}`.
 * Every problem of a request is collected, then reported at once, as upstream does.
 */

/** One item of a 422 body. */
export interface ValidationIssue {
  loc: (string | number)[];
  msg: string;
  type: string;
}

/** The 422 body for `issues`. */
export function validationErrorBody(issues: readonly ValidationIssue[]): {
  detail: ValidationIssue[];
} {
  return { detail: [...issues] };
}

/** pydantic's wording for an enum: `Input should be 'a', 'b' or 'c'`. */
export function enumMessage(allowed: readonly string[]): string {
  const quoted = allowed.map((value) => `'${value}'`);
  const last = quoted.pop() ?? '';
  return `Input should be ${quoted.length > 0 ? `${quoted.join(', ')} or ${last}` : last}`;
}

const TRUE_WORDS = new Set(['true', '1', 'yes', 'on', 't', 'y']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'off', 'f', 'n']);

/** Collects issues while parsing the string values of a query or form. */
export class IssueCollector {
  readonly issues: ValidationIssue[] = [];

  add(loc: (string | number)[], msg: string, type: string): void {
    this.issues.push({ loc, msg, type });
  }

  /** pydantic's lax boolean: true/false, 1/0, yes/no, on/off, t/f, y/n, any case. */
  boolean(value: string | undefined, loc: (string | number)[]): boolean | undefined {
    if (value === undefined) return undefined;
    const word = value.trim().toLowerCase();
    if (TRUE_WORDS.has(word)) return true;
    if (FALSE_WORDS.has(word)) return false;
    this.add(loc, 'Input should be a valid boolean, unable to interpret input', 'bool_parsing');
    return undefined;
  }

  /** A base-10 integer within [min, max]. */
  integer(
    value: string | undefined,
    loc: (string | number)[],
    min: number,
    max: number,
  ): number | undefined {
    if (value === undefined) return undefined;
    if (!/^\s*[-+]?\d+\s*$/.test(value)) {
      this.add(
        loc,
        'Input should be a valid integer, unable to parse string as an integer',
        'int_parsing',
      );
      return undefined;
    }
    return this.range(Number(value), loc, min, max);
  }

  /** A number already parsed (e.g. from JSON), checked against [min, max]. */
  range(value: number, loc: (string | number)[], min: number, max: number): number | undefined {
    if (value < min)
      this.add(loc, `Input should be greater than or equal to ${min}`, 'greater_than_equal');
    else if (value > max)
      this.add(loc, `Input should be less than or equal to ${max}`, 'less_than_equal');
    else return value;
    return undefined;
  }

  /** One of `allowed`. */
  oneOf<T extends string>(
    value: string | undefined,
    allowed: readonly T[],
    loc: (string | number)[],
  ): T | undefined {
    if (value === undefined) return undefined;
    if ((allowed as readonly string[]).includes(value)) return value as T;
    this.add(loc, enumMessage(allowed), 'enum');
    return undefined;
  }
}
