// A write a store refused because of its input (unknown tenant, duplicate name): the message is
// meant for the person who asked, and nothing was written.
export class StoreRefusal extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreRefusal';
  }
}
