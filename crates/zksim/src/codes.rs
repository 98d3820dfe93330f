//! `KeeperException.Code`: the error codes clients see (spec 6.5), and their messages.

/// An error code as it travels in a ReplyHeader or an ErrorTxn.
pub type Code = i32;

pub const OK: Code = 0;
pub const SYSTEMERROR: Code = -1;
pub const RUNTIMEINCONSISTENCY: Code = -2;
pub const DATAINCONSISTENCY: Code = -3;
pub const CONNECTIONLOSS: Code = -4;
pub const MARSHALLINGERROR: Code = -5;
pub const UNIMPLEMENTED: Code = -6;
pub const OPERATIONTIMEOUT: Code = -7;
pub const BADARGUMENTS: Code = -8;
pub const UNKNOWNSESSION: Code = -12;
pub const APIERROR: Code = -100;
pub const NONODE: Code = -101;
pub const NOAUTH: Code = -102;
pub const BADVERSION: Code = -103;
pub const NOCHILDRENFOREPHEMERALS: Code = -108;
pub const NODEEXISTS: Code = -110;
pub const NOTEMPTY: Code = -111;
pub const SESSIONEXPIRED: Code = -112;
pub const INVALIDCALLBACK: Code = -113;
pub const INVALIDACL: Code = -114;
pub const AUTHFAILED: Code = -115;
pub const SESSIONMOVED: Code = -118;
pub const NOTREADONLY: Code = -119;

/// The enum constant's name, as `KeeperException.Code` spells it.
pub fn name(code: Code) -> &'static str {
    match code {
        OK => "OK",
        SYSTEMERROR => "SYSTEMERROR",
        RUNTIMEINCONSISTENCY => "RUNTIMEINCONSISTENCY",
        DATAINCONSISTENCY => "DATAINCONSISTENCY",
        CONNECTIONLOSS => "CONNECTIONLOSS",
        MARSHALLINGERROR => "MARSHALLINGERROR",
        UNIMPLEMENTED => "UNIMPLEMENTED",
        OPERATIONTIMEOUT => "OPERATIONTIMEOUT",
        BADARGUMENTS => "BADARGUMENTS",
        UNKNOWNSESSION => "UNKNOWNSESSION",
        APIERROR => "APIERROR",
        NONODE => "NONODE",
        NOAUTH => "NOAUTH",
        BADVERSION => "BADVERSION",
        NOCHILDRENFOREPHEMERALS => "NOCHILDRENFOREPHEMERALS",
        NODEEXISTS => "NODEEXISTS",
        NOTEMPTY => "NOTEMPTY",
        SESSIONEXPIRED => "SESSIONEXPIRED",
        INVALIDCALLBACK => "INVALIDCALLBACK",
        INVALIDACL => "INVALIDACL",
        AUTHFAILED => "AUTHFAILED",
        SESSIONMOVED => "SESSIONMOVED",
        NOTREADONLY => "NOTREADONLY",
        _ => "UNKNOWN",
    }
}

/// `KeeperException.getCodeMessage`: the text after "KeeperErrorCode = ".
pub fn message(code: Code) -> &'static str {
    match code {
        OK => "ok",
        SYSTEMERROR => "SystemError",
        RUNTIMEINCONSISTENCY => "RuntimeInconsistency",
        DATAINCONSISTENCY => "DataInconsistency",
        CONNECTIONLOSS => "ConnectionLoss",
        MARSHALLINGERROR => "MarshallingError",
        UNIMPLEMENTED => "Unimplemented",
        OPERATIONTIMEOUT => "OperationTimeout",
        BADARGUMENTS => "BadArguments",
        UNKNOWNSESSION => "Unknown session",
        APIERROR => "APIError",
        NONODE => "NoNode",
        NOAUTH => "NoAuth",
        BADVERSION => "BadVersion",
        NOCHILDRENFOREPHEMERALS => "NoChildrenForEphemerals",
        NODEEXISTS => "NodeExists",
        NOTEMPTY => "Directory not empty",
        SESSIONEXPIRED => "Session expired",
        INVALIDCALLBACK => "Invalid callback",
        INVALIDACL => "InvalidACL",
        AUTHFAILED => "AuthFailed",
        SESSIONMOVED => "Session moved",
        NOTREADONLY => "Not a read-only call",
        _ => "Unknown",
    }
}
