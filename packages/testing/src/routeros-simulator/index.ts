// The RouterOS API simulator lands with the RouterOS collector (issue 5).
export {};
