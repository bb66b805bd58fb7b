/**
 * createOneTimeHold: pauses one step of the code under test (a hook, a store call) while a test does something else.
 * Once armed, the next call of `wait()` pauses until `release()`, and `reached` resolves when it does; every other call
 * passes at once.
 */

/** A hold for one call. */
export interface OneTimeHold {
  /** The next call of `wait()` pauses. */
  arm(): void
  /** Called by the code under test: pauses when armed (once), else returns at once. */
  wait(): Promise<void>
  /** Resolves once a call of `wait()` has paused. */
  readonly reached: Promise<void>
  /** Lets the paused call go on. */
  release(): void
}

/** Creates a hold, not armed. */
export function createOneTimeHold(): OneTimeHold {
  let armed = false
  let markReached = (): void => {}
  const reached = new Promise<void>((resolve) => {
    markReached = resolve
  })
  let release = (): void => {}
  const released = new Promise<void>((resolve) => {
    release = resolve
  })
  return {
    arm() {
      armed = true
    },
    async wait() {
      if (!armed) return
      armed = false
      markReached()
      await released
    },
    reached,
    release: () => release(),
  }
}
