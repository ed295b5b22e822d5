/**
 * `run` made once per input (compared as JSON) and shared by every test that reads the same run.
 * Only for results that tests read and never change; a test about repeated runs calls `run` itself.
 */
export function sharedRuns<Input, Result>(run: (input: Input) => Promise<Result>): (input: Input) => Promise<Result> {
  const runs = new Map<string, Promise<Result>>();
  return (input) => {
    const key = JSON.stringify(input);
    let result = runs.get(key);
    if (!result) {
      result = run(input);
      runs.set(key, result);
    }
    return result;
  };
}
