import type { AclRules } from "./acl.ts";
import { aclAllows } from "./acl.ts";
import { ProtocolError } from "./errors.ts";
import type { PasswordEntry } from "./password_file.ts";
import { verifyPassword } from "./password_file.ts";
import { topicFilterProblem } from "./topic_names.ts";
import { topicMatches } from "./topic_tree.ts";

/** Who asks: the client id, and the user name it authenticated as, if any. */
export interface ClientIdentity {
  readonly clientId: string;
  readonly username: string | undefined;
}

/** The settings an {@linkcode AccessPolicy} is made from. */
export interface AccessSettings {
  /** Filters only the broker's owner may publish to (through the in-process API). */
  readonly protectedTopics: readonly string[];
  /** Whether clients without a user name may connect. */
  readonly allowAnonymous: boolean;
  /** Users and their password hashes; when set, a user name must come with its password. */
  readonly passwords: ReadonlyMap<string, PasswordEntry> | undefined;
  /** ACL rules; without them anyone may subscribe to anything and publish outside protected. */
  readonly acl: AclRules | undefined;
}

/** Why a CONNECT was refused by the access rules, or `undefined` when it is accepted. */
export type AuthenticationFailure = "bad-credentials" | "not-authorized" | undefined;

/**
 * Who may connect, publish and subscribe where. By default anonymous clients may subscribe to
 * anything and publish anywhere except the protected filters (`network/#` and `$SYS/#`), which
 * only the broker's owner reaches, through the in-process API, so no client can spoof the data
 * it serves. `allowAnonymous`, a password file and ACL rules tighten that.
 */
export class AccessPolicy {
  readonly #protectedFilters: readonly string[];
  readonly #allowAnonymous: boolean;
  readonly #passwords: ReadonlyMap<string, PasswordEntry> | undefined;
  readonly #acl: AclRules | undefined;

  /** Throws {@linkcode ProtocolError} when a protected filter is not a valid topic filter. */
  constructor(settings: AccessSettings) {
    for (const filter of settings.protectedTopics) {
      const problem = topicFilterProblem(filter);
      if (problem !== undefined) {
        throw new ProtocolError(`protectedTopics: ${problem}`);
      }
    }
    this.#protectedFilters = [...settings.protectedTopics];
    this.#allowAnonymous = settings.allowAnonymous;
    this.#passwords = settings.passwords;
    this.#acl = settings.acl;
  }

  /** Whether deliveries must be checked against read rules (only with an ACL). */
  get checksDelivery(): boolean {
    return this.#acl !== undefined;
  }

  /** Whether checking these credentials needs the (slow, async) password hash. */
  needsPasswordCheck(username: string | undefined): boolean {
    return username !== undefined && this.#passwords !== undefined;
  }

  /**
   * Checks a CONNECT's credentials: anonymous clients need `allowAnonymous`; with a password
   * file a user name needs its password, verified in constant time.
   */
  async authenticate(
    username: string | undefined,
    password: Uint8Array | undefined,
  ): Promise<AuthenticationFailure> {
    if (username === undefined) return this.#allowAnonymous ? undefined : "not-authorized";
    if (this.#passwords === undefined) {
      return this.#allowAnonymous ? undefined : "bad-credentials";
    }
    const entry = this.#passwords.get(username);
    if (entry === undefined || password === undefined) return "bad-credentials";
    let text: string;
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(password);
    } catch {
      return "bad-credentials";
    }
    return await verifyPassword(entry, text) ? undefined : "bad-credentials";
  }

  /** The synchronous answer for credentials that need no password check. */
  authenticateWithoutPassword(username: string | undefined): AuthenticationFailure {
    if (username === undefined) return this.#allowAnonymous ? undefined : "not-authorized";
    return this.#allowAnonymous ? undefined : "bad-credentials";
  }

  /** Whether `client` may publish on `topic`. */
  mayPublish(client: ClientIdentity, topic: string): boolean {
    for (const filter of this.#protectedFilters) {
      // '$SYS/#' must match '$SYS/x' although a leading wildcard never matches '$' topics:
      // topicMatches applies [MQTT-4.7.2-1] only to first-level wildcards, so it does.
      if (topicMatches(filter, topic)) return false;
    }
    return this.#acl === undefined || aclAllows(this.#acl, client, "write", topic, false);
  }

  /** Whether `client` may subscribe to `filter` (the matching part of a shared filter). */
  maySubscribe(client: ClientIdentity, filter: string): boolean {
    return this.#acl === undefined || aclAllows(this.#acl, client, "read", filter, true);
  }

  /** Whether a message on `topic` may be delivered to `client` (checked per message with an ACL). */
  mayReceive(client: ClientIdentity, topic: string): boolean {
    return this.#acl === undefined || aclAllows(this.#acl, client, "read", topic, false);
  }
}
