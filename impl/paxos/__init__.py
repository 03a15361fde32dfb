"""Single-decree Paxos: proposers, acceptors and learners."""
from .acceptor import Acceptor
from .learner import Learner
from .messages import NO_BALLOT, Accept, Accepted, Message, Prepare, Promise, Rejected, is_majority
from .proposer import Phase, Proposer
from .storage import AcceptorStorage, ProposerStorage

__all__ = ["Accept", "Accepted", "Acceptor", "AcceptorStorage", "Learner", "Message", "NO_BALLOT", "Phase",
           "Prepare", "Promise", "Proposer", "ProposerStorage", "Rejected", "is_majority"]
