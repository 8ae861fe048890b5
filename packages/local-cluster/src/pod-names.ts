import { randomBytes } from 'node:crypto';

const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

function suffix(length: number): string {
  return [...randomBytes(length)].map((b) => ALPHABET[b % ALPHABET.length]).join('');
}

/** A ReplicaSet template hash, as `kubectl get pods` shows it: new on every rollout. */
export function templateHash(): string {
  return suffix(10);
}

/** `<deployment>-<template hash>-<5 chars>`, the shape Kubernetes gives pod names. */
export function podName(deployment: string, hash: string): string {
  return `${deployment}-${hash}-${suffix(5)}`;
}
