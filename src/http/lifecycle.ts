/** The node's readiness: once draining, `/ready` answers 503 and new sockets are refused. */
export class Lifecycle {
  #draining = false

  get draining(): boolean {
    return this.#draining
  }

  startDraining(): void {
    this.#draining = true
  }
}
