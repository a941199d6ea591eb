// JSON text of trait values, computed once per object.

const jsonKeys = new WeakMap<object, string>();

/** JSON text of a trait value, once per object (trait values are replaced, never changed in place). */
export function jsonKey(value: object): string {
  let key = jsonKeys.get(value);
  if (key === undefined) {
    key = JSON.stringify(value);
    jsonKeys.set(value, key);
  }
  return key;
}
